// Connection limits (server.max_connections, max_connections_per_ip,
// max_pending_http, request_timeout_ms) and the binary-flood rate limit, on
// raw sockets against the real binary. Every client here comes from
// 127.0.0.1, so each test raises the limits it does not exercise out of the
// way (the defaults are far above what a test opens anyway).
//
// Plain HTTP probes go over raw sockets with `Connection: close`: fetch()
// would keep its socket open in a pool, and that socket counts too.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { withServer, withTimeout } from './lib/server.mjs';
import { RawSocket, RawWebSocket, OP, encodeFrame } from './lib/raw.mjs';

const base = { config: 'integration.toml' };
const WS_PATH = '/room/limits/websocket';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/// GET `path` on a fresh connection that closes after the answer:
/// {status, head, body}.
async function rawGet(port, path = '/healthz') {
  const raw = await RawSocket.connect(port);
  try {
    raw.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    const { status, head } = await raw.readHttpHead();
    await raw.waitEnd();
    return { status, head, body: raw.buffer.toString('utf8') };
  } finally {
    raw.destroy();
  }
}

/// A refusal as the limits give it: 503, Retry-After, a JSON error, then close.
async function assertRefused(port) {
  const { status, head, body } = await rawGet(port);
  assert.equal(status, 503, head);
  assert.match(head, /\r\nRetry-After: 5(\r\n|$)/i);
  assert.match(head, /\r\nContent-Type: application\/json/i);
  assert.ok(JSON.parse(body).error, `JSON error body: ${body}`);
}

/// Polls /healthz until it answers 200: the server noticed closed clients.
async function servesAgain(port, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status } = await rawGet(port);
    if (status === 200)
      return;
    if (Date.now() > deadline)
      assert.fail(`still ${status} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/// An open connection that has sent nothing (it sits in HTTP).
async function idle(port) {
  return RawSocket.connect(port);
}

test('over max_connections_per_ip a new connection gets 503 with Retry-After; after the others close it is served', async () => {
  const settings = { 'server.max_connections_per_ip': 2, 'server.max_connections': 1000 };
  await withServer({ ...base, settings }, async (server) => {
    // One WebSocket and one idle HTTP connection: both count.
    const ws = await RawWebSocket.open(server.port, WS_PATH);
    const quiet = await idle(server.port);
    await assertRefused(server.port);
    await assertRefused(server.port); // refusals hold no place
    assert.equal(quiet.isClosed, false, 'the admitted connection stays open');
    ws.destroy();
    quiet.destroy();
    await servesAgain(server.port);
    // Both places are free again: a WebSocket and a request fit together.
    const again = await RawWebSocket.open(server.port, WS_PATH);
    assert.equal((await rawGet(server.port)).status, 200);
    again.destroy();
  });
});

test('over max_connections a new connection gets 503 with Retry-After; after the others close it is served', async () => {
  const settings = { 'server.max_connections': 3, 'server.max_connections_per_ip': 1000 };
  await withServer({ ...base, settings }, async (server) => {
    const a = await RawWebSocket.open(server.port, WS_PATH);
    const b = await RawWebSocket.open(server.port, WS_PATH);
    const c = await idle(server.port);
    await assertRefused(server.port);
    // An upgrade is refused the same way, before any handshake.
    const upgrade = await RawWebSocket.open(server.port, WS_PATH).then(() => 'opened', (e) => e.message);
    assert.match(upgrade, /503/);
    a.destroy();
    await servesAgain(server.port);
    b.destroy();
    c.destroy();
  });
});

test('over max_pending_http a new connection gets 503; upgraded WebSockets are not pending', async () => {
  const settings = { 'server.max_pending_http': 2 };
  await withServer({ ...base, settings }, async (server) => {
    const sockets = [await RawWebSocket.open(server.port, WS_PATH), await RawWebSocket.open(server.port, WS_PATH)];
    const first = await idle(server.port);
    const second = await idle(server.port);
    await assertRefused(server.port);
    // The two quiet ones were admitted (the WebSockets did not count): one asks now.
    first.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    assert.equal((await first.readHttpHead()).status, 200);
    await first.waitEnd();
    await servesAgain(server.port);
    second.destroy();
    for (const s of sockets)
      s.destroy();
  });
});

test('a client that sends nothing is disconnected after request_timeout_ms', async () => {
  const settings = { 'server.request_timeout_ms': 300 };
  await withServer({ ...base, settings }, async (server) => {
    const silent = await idle(server.port);
    const partial = await idle(server.port);
    partial.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n'); // never finished
    const start = Date.now();
    await silent.waitEnd(5000);
    await partial.waitEnd(5000);
    const elapsed = Date.now() - start;
    assert.ok(elapsed >= 200 && elapsed < 3000, `closed after ${elapsed} ms`);
    assert.equal(silent.buffer.length, 0, 'a silent client gets no answer, only the close');
    // Its place is free: the node serves.
    assert.equal((await rawGet(server.port)).status, 200);
  });
});

test('a flood of binary frames gets about one RATE_LIMITED a second, not a reply per frame', async () => {
  const settings = { 'server.rate_limit_per_second': 5, 'server.rate_limit_burst': 5 };
  await withServer({ ...base, settings }, async (server) => {
    const ws = await RawWebSocket.open(server.port, WS_PATH);
    const frame = encodeFrame(OP.binary, Buffer.from('binary!!'));
    // 500 frames over one second: 10 writes of 50, 100 ms apart.
    for (let i = 0; i < 10; ++i) {
      ws.raw.write(Buffer.concat(Array(50).fill(frame)));
      await sleep(100);
    }
    await sleep(300); // replies still on their way
    const errors = ws.frames.filter((f) => f.opcode === OP.text).map((f) => JSON.parse(f.payload.toString()));
    assert.ok(errors.every((e) => e.event === 'error'), JSON.stringify(errors));
    const limited = errors.filter((e) => e.data.code === 'RATE_LIMITED').length;
    // The flood spans a second: one RATE_LIMITED at its start, perhaps one more.
    assert.ok(limited >= 1 && limited <= 2, `${limited} RATE_LIMITED errors`);
    // The rest answer the frames the bucket let through: burst 5 plus about
    // 5 a second of refill, each an UNSUPPORTED_DATA.
    const unsupported = errors.filter((e) => e.data.code === 'UNSUPPORTED_DATA').length;
    assert.ok(unsupported <= 12, `${unsupported} UNSUPPORTED_DATA errors`);
    assert.ok(errors.length <= 14, `${errors.length} replies to 500 frames`);
    // The connection was not dropped: after the bucket refills it answers.
    await sleep(1100);
    ws.unread.length = 0; // the flood's errors are counted above
    ws.sendFrame(OP.text, JSON.stringify({ event: 'nope', data: {} }));
    const reply = await ws.nextEvent('error');
    assert.equal(reply.data.code, 'UNKNOWN_EVENT');
    ws.destroy();
  });
});
