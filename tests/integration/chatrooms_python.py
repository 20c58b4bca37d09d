#!/usr/bin/env python3
"""The chatrooms dialect with python-socketio (Debian's python3-socketio):
one client authenticates with auth={token}, another with an Authorization
header over polling only; both join, one sends, both receive.

Usage: chatrooms_python.py ROOMCAST_BINARY
"""

import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import socketio

SECRET = "chat-python-secret"
HERE = os.path.dirname(os.path.abspath(__file__))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(sub: str, name: str) -> str:
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps({"sub": sub, "name": name, "exp": int(time.time()) + 3600}).encode())
    sig = hmac.new(SECRET.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


def start_server(binary: str, data_dir: str):
    config = os.path.join(HERE, "..", "configs", "integration.toml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROOMCAST_")}
    proc = subprocess.Popen(
        [binary, "--listen", "127.0.0.1:0", "--data-dir", data_dir, "--jwt-secret", SECRET, "--config", config],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    deadline = time.time() + 10
    while time.time() < deadline:
        line = proc.stdout.readline()
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line or "")
        if m:
            return proc, int(m.group(1))
        if proc.poll() is not None:
            break
    proc.kill()
    raise RuntimeError("roomcast did not start")


class Recorder:
    """Collects the events one client receives on /chat."""

    def __init__(self, client: socketio.Client):
        self.events = []
        self.cond = threading.Condition()
        for name in ("receiveMessage", "userJoined", "roomUsers", "joinedRoom", "userOnline", "error"):
            client.on(name, self._handler(name), namespace="/chat")

    def _handler(self, name):
        def handle(data=None):
            with self.cond:
                self.events.append((name, data))
                self.cond.notify_all()
        return handle

    def wait(self, name, pred=lambda d: True, timeout=5.0):
        deadline = time.time() + timeout
        with self.cond:
            while True:
                for n, d in self.events:
                    if n == name and pred(d):
                        return d
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError(f"no {name} within {timeout}s; got {[n for n, _ in self.events]}")
                self.cond.wait(left)


def main() -> int:
    binary = sys.argv[1]
    data_dir = tempfile.mkdtemp(prefix="roomcast-py-")
    proc, port = start_server(binary, data_dir)
    url = f"http://127.0.0.1:{port}"
    try:
        alice = socketio.Client(reconnection=False)
        bob = socketio.Client(reconnection=False)
        ra, rb = Recorder(alice), Recorder(bob)
        alice.connect(url, namespaces=["/chat"], auth={"token": token("py-alice", "Alice")}, wait_timeout=5)
        bob.connect(url, namespaces=["/chat"], transports=["polling"],
                    headers={"Authorization": f"Bearer {token('py-bob', 'Bob')}"}, wait_timeout=5)

        joined = alice.call("joinRoom", {"roomId": "python"}, namespace="/chat", timeout=5)
        assert joined == {"event": "joinedRoom", "roomId": "python", "success": True}, joined
        assert bob.call("joinRoom", {"roomId": "python"}, namespace="/chat", timeout=5)["success"]
        assert ra.wait("userJoined")["userId"] == "py-bob"
        assert len(rb.wait("roomUsers")["users"]) == 2

        sent = bob.call("sendMessage", {"roomId": "python", "content": "hello from python <3"},
                        namespace="/chat", timeout=5)
        assert sent["success"] and sent["event"] == "messageSent", sent
        assert sent["message"]["author"] == {"id": "py-bob", "username": "Bob"}, sent
        got = ra.wait("receiveMessage")
        assert got["content"] == "hello from python &lt;3", got
        assert got["id"] == sent["message"]["id"]
        rb.wait("receiveMessage")  # the sender too

        # A refused event: the ack carries the error object, and `error` is emitted.
        err = alice.call("sendMessage", {"roomId": "python", "content": ""}, namespace="/chat", timeout=5)
        assert err["success"] is False and err["statusCode"] == 400, err
        ra.wait("error")

        # No token: CONNECT_ERROR.
        anon = socketio.Client(reconnection=False)
        refusals = []
        anon.on("connect_error", lambda data=None: refusals.append(data), namespace="/chat")
        try:
            anon.connect(url, namespaces=["/chat"], wait_timeout=5)
            raise AssertionError("connected without a token")
        except socketio.exceptions.ConnectionError:
            pass
        assert refusals and refusals[0]["message"] == "Unauthorized", refusals
        assert refusals[0]["data"]["statusCode"] == 401, refusals
        alice.disconnect()
        bob.disconnect()
        print("chatrooms_python: ok")
        return 0
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = -9
        shutil.rmtree(data_dir, ignore_errors=True)
        if rc != 0:
            print(f"roomcast exited with {rc}", file=sys.stderr)
            sys.exit(1)


if __name__ == "__main__":
    sys.exit(main())
