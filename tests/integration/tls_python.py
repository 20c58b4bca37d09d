#!/usr/bin/env python3
"""The chatrooms dialect over TLS with python-socketio (Debian's
python3-socketio): one client over polling then the WebSocket upgrade,
one over WebSocket only, both trusting only the test CA; they join a room
and a message goes from one to the other.

Usage: tls_python.py https://127.0.0.1:PORT CA_FILE JWT_SECRET
"""

import base64
import hashlib
import hmac
import json
import sys
import threading
import time

import requests
import socketio


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(secret: str, sub: str, name: str) -> str:
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps({"sub": sub, "name": name, "exp": int(time.time()) + 3600}).encode())
    sig = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


def client(ca: str):
    session = requests.Session()
    session.verify = ca  # engine.io uses it for polling and for the WebSocket
    session.trust_env = False  # else REQUESTS_CA_BUNDLE would replace `verify`
    c = socketio.Client(reconnection=False, http_session=session)
    got = []
    cond = threading.Condition()

    def on_message(data=None):
        with cond:
            got.append(data)
            cond.notify_all()

    c.on("receiveMessage", on_message, namespace="/chat")

    def wait(pred, timeout=5.0):
        deadline = time.time() + timeout
        with cond:
            while not any(pred(d) for d in got):
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError(f"no matching receiveMessage; got {got}")
                cond.wait(left)

    return c, wait


def main() -> int:
    url, ca, secret = sys.argv[1:4]
    alice, alice_wait = client(ca)
    bob, bob_wait = client(ca)
    alice.connect(url, namespaces=["/chat"], auth={"token": token(secret, "py-alice", "Alice")}, wait_timeout=5)
    bob.connect(url, namespaces=["/chat"], transports=["websocket"],
                auth={"token": token(secret, "py-bob", "Bob")}, wait_timeout=5)
    assert bob.transport() == "websocket", bob.transport()
    deadline = time.time() + 5
    while alice.transport() != "websocket" and time.time() < deadline:
        time.sleep(0.05)
    assert alice.transport() == "websocket", "polling was not upgraded: " + alice.transport()

    for c in (alice, bob):
        joined = c.call("joinRoom", {"roomId": "tls-python"}, namespace="/chat", timeout=5)
        assert joined["success"], joined
    sent = bob.call("sendMessage", {"roomId": "tls-python", "content": "over TLS"}, namespace="/chat", timeout=5)
    assert sent["success"], sent
    alice_wait(lambda d: d and d.get("content") == "over TLS")
    sent = alice.call("sendMessage", {"roomId": "tls-python", "content": "and back"}, namespace="/chat", timeout=5)
    assert sent["success"], sent
    bob_wait(lambda d: d and d.get("content") == "and back")

    # The CA is what makes it work: without it the certificate is refused.
    stranger = socketio.Client(reconnection=False)
    try:
        stranger.connect(url, namespaces=["/chat"], auth={"token": token(secret, "py-eve", "Eve")}, wait_timeout=5)
        raise AssertionError("connected without trusting the test CA")
    except socketio.exceptions.ConnectionError:
        pass
    alice.disconnect()
    bob.disconnect()
    print("tls_python: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
