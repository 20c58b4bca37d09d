// SIGTERM drain: /healthz answers 503 at once (a load balancer takes the
// node out), new connections are refused, every client is told in its own
// dialect (a WebSocket close 1001; a Socket.IO client's transport closes, over
// WebSocket and over polling), what was queued reaches the clients first,
// and the process exits 0 within server.drain_seconds.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { withServer, withTimeout } from './lib/server.mjs';
import { RawSocket } from './lib/raw.mjs';
import { joinAll, roomId } from './lib/client.mjs';
import { SignalingClient } from './lib/signaling_client.mjs';
import { SECRET, chatSocket, connected, tokenFor } from './lib/chat.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/// GET /healthz on an open keep-alive connection: the status.
async function healthOn(raw) {
  raw.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  const { status, head } = await raw.readHttpHead();
  const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
  await raw.waitFor((buf) => (buf.length >= length ? true : undefined), 3000, 'body');
  raw.buffer = raw.buffer.subarray(length);
  return status;
}

/// What a new connection gets: 'refused' (no accept) or the /healthz status.
async function newConnection(port) {
  let raw;
  try {
    raw = await RawSocket.connect(port);
  } catch {
    return 'refused';
  }
  try {
    return await healthOn(raw);
  } catch {
    return 'refused'; // accepted by the kernel's backlog, then dropped unanswered
  } finally {
    raw.destroy();
  }
}

test('SIGTERM: /healthz 503 at once, new connections refused, every dialect told, exit 0', async () => {
  const options = {
    config: 'integration.toml',
    args: ['--jwt-secret', SECRET],
    settings: { 'server.drain_seconds': 3 },
  };
  await withServer(options, async (server) => {
    const lb = await RawSocket.connect(server.port); // a load balancer's keep-alive health check
    assert.equal(await healthOn(lb), 200);

    const room = roomId('drain');
    const [alice, bob] = await joinAll(server, room, ['Alice', 'Bob']);
    const signaling = new SignalingClient(`${server.url}/ws`, 'sig');
    await signaling.open();
    const viaWs = await connected(chatSocket(server, { token: tokenFor('u-ws'), transports: ['websocket'] }));
    const viaPolling = await connected(chatSocket(server, { token: tokenFor('u-poll'), transports: ['polling'] }));
    const sioReasons = [viaWs, viaPolling].map((s) => new Promise((resolve) => s.once('disconnect', resolve)));

    // Bob's message is broadcast; the SIGTERM follows at once: Alice gets it before her close.
    bob.send('chat-message', { message: 'last words' });
    await bob.next('chat-message');
    const closes = [alice.waitClose(8000), bob.waitClose(8000)];
    const started = Date.now();
    server.proc.kill('SIGTERM');

    // The health check on the open connection turns 503 at once.
    let status = 200;
    for (let i = 0; i < 50 && status === 200; ++i) {
      status = await healthOn(lb).catch(() => 'closed');
      if (status === 200)
        await sleep(10);
    }
    assert.equal(status, 503, 'a draining node answers /healthz with 503');
    assert.ok(Date.now() - started < 1000, `503 after ${Date.now() - started} ms`);
    assert.equal(await newConnection(server.port), 'refused', 'no new connection is served');

    for (const c of await Promise.all(closes))
      assert.equal(c.code, 1001);
    assert.ok(alice.all('chat-message').some((m) => m.message === 'last words'), 'queued messages arrive first');
    assert.equal((await withTimeout(signaling.closed, 8000, 'signaling close')).code, 1001);
    const reasons = await withTimeout(Promise.all(sioReasons), 8000, 'Socket.IO disconnects');
    for (const r of reasons)
      assert.equal(r, 'transport close', 'Socket.IO clients see their transport closed (and may reconnect elsewhere)');

    const exit = await withTimeout(server.exited, 15000, 'exit after SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null }, server.stderr.slice(-2000));
    server.proc = null;
    assert.ok(Date.now() - started < 3000 + 5000, `exited after ${Date.now() - started} ms`);
    lb.destroy();
  });
});

test('SIGTERM: a client behind on reading gets everything queued, then 1001', async () => {
  const options = { config: 'integration.toml', settings: { 'server.drain_seconds': 5 } };
  await withServer(options, async (server) => {
    const room = roomId('drain-flush');
    const [reader, talker] = await joinAll(server, room, ['Reader', 'Talker']);
    reader.ws._socket.pause(); // stops reading: what the room sends it waits in its queue
    const text = 'x'.repeat(1900);
    const count = 600;
    for (let i = 0; i < count; ++i)
      talker.send('chat-message', { message: `${i} ${text}` });
    await talker.next('chat-message', { where: (m) => m.message.startsWith(`${count - 1} `), timeout: 20000 });
    const closed = reader.waitClose(15000);
    server.proc.kill('SIGTERM');
    await sleep(500);
    reader.ws._socket.resume(); // reads again well within drain_seconds
    assert.equal((await closed).code, 1001);
    const got = reader.all('chat-message').map((m) => Number(m.message.split(' ')[0]));
    assert.equal(got.length, count, 'every message queued before the SIGTERM arrived');
    assert.deepEqual(got, [...got].sort((a, b) => a - b), 'in order');
    const exit = await withTimeout(server.exited, 15000, 'exit after SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null }, server.stderr.slice(-2000));
    server.proc = null;
  });
});

test('SIGTERM waits up to server.drain_seconds for a client that does not read, then exits 0', async () => {
  const options = { config: 'integration.toml', settings: { 'server.drain_seconds': 1 } };
  await withServer(options, async (server) => {
    const [reader] = await joinAll(server, roomId('drain-slow'), ['Reader']);
    reader.ws._socket.pause(); // never answers the close
    const started = Date.now();
    server.proc.kill('SIGTERM');
    const exit = await withTimeout(server.exited, 15000, 'exit after SIGTERM');
    const took = Date.now() - started;
    assert.deepEqual(exit, { code: 0, signal: null }, server.stderr.slice(-2000));
    server.proc = null;
    assert.ok(took >= 900, `the drain waited ${took} ms for the client (drain_seconds = 1)`);
    assert.ok(took < 1000 + 5000, `a client that never reads held the exit ${took} ms (drain_seconds = 1)`);
    reader.terminate();
  });
});
