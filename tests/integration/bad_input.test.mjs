// Bad input of every kind: each gets a clear error (or HTTP status), and the
// same connection, its room and the node keep working afterwards.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

import { withServer, httpGet } from './lib/server.mjs';
import { Client, connect, joinAll, closeAll, roomId } from './lib/client.mjs';
import { RawSocket, RawWebSocket, OP, encodeFrame, upgradeRequest } from './lib/raw.mjs';

const base = { config: 'integration.toml' };

let probeCount = 0;
/// `from` sends a chat message; every client in `to` must receive it. Proves
/// the connection (and the room) still work after a bad input.
async function stillWorks(from, to) {
  const text = `still works ${++probeCount}`;
  from.send('chat-message', { message: text });
  await Promise.all(to.map((c) => c.next('chat-message', { where: (d) => d.message === text })));
}

/// The node still serves: health check, and a brand new room works.
// Sends `total` chat messages "<i> <text>", keeping 16 in flight: the sender
// reads her own echoes, so her own queue stays short.
async function sendNumbered(sender, total, text) {
  let sent = 0;
  for (let echoed = 0; echoed < total; ++echoed) {
    while (sent < total && sent - echoed < 16)
      sender.send('chat-message', { message: `${sent++} ${text}` });
    await sender.next('chat-message', { timeout: 10000 });
  }
}

async function nodeWorks(server) {
  assert.equal((await httpGet(server, '/healthz')).status, 200);
  const [x, y] = await joinAll(server, roomId('probe'), ['Xavier', 'Yvonne']);
  await stillWorks(y, [x, y]);
  await closeAll([x, y]);
}

test('invalid JSON gets INVALID_JSON and the connection keeps working', async () => {
  await withServer(base, async (server) => {
    const [a, b] = await joinAll(server, roomId('json'), ['Alice', 'Bob']);
    for (const bad of ['{not json', '', 'null', '[1,2,3]', '"event"', '{"event": 5, "data": {}}', '{"data": {}}',
      `${'['.repeat(40)}${']'.repeat(40)}`, `{"event":"chat-message","data":${'{"a":'.repeat(30)}1${'}'.repeat(30)}}`]) {
      b.sendRaw(bad);
      const err = await b.nextError();
      assert.equal(err.code, 'INVALID_JSON', `for ${JSON.stringify(bad.slice(0, 40))}`);
      assert.equal(typeof err.message, 'string');
      await stillWorks(b, [a, b]);
    }
    await nodeWorks(server);
    await closeAll([a, b]);
  });
});

test('an unknown event gets UNKNOWN_EVENT naming it', async () => {
  await withServer(base, async (server) => {
    const [a, b] = await joinAll(server, roomId('unknown'), ['Alice', 'Bob']);
    b.send('dance', { style: 'tango' });
    const err = await b.nextError();
    assert.equal(err.code, 'UNKNOWN_EVENT');
    assert.equal(err.event, 'dance');
    // Server-to-client event names are not commands either.
    b.send('peers', {});
    assert.equal((await b.nextError()).code, 'UNKNOWN_EVENT');
    b.send('x'.repeat(5000), {});
    const long = await b.nextError();
    assert.equal(long.code, 'UNKNOWN_EVENT');
    assert.ok(long.event.length <= 64, 'the echoed name is bounded');
    await stillWorks(b, [a, b]);
    await closeAll([a, b]);
  });
});

test('missing or malformed fields get INVALID_PAYLOAD naming the event', async () => {
  await withServer(base, async (server) => {
    const [a, b] = await joinAll(server, roomId('fields'), ['Alice', 'Bob']);
    const cases = [
      ['chat-message', {}],
      ['chat-message', { message: 42 }],
      ['chat-message', { message: '   \n\t ' }],
      ['chat-message', { message: 'x'.repeat(2001) }],
      ['offer', { sdp: 'v=0' }],
      ['offer', { targetPeerId: b.peerId }],
      ['offer', { targetPeerId: b.peerId, sdp: 17 }],
      ['answer', { targetPeerId: 'bad id!', sdp: 'v=0' }],
      ['candidate', { targetPeerId: b.peerId }],
      ['kicked', {}],
      ['mute-participant', { targetPeerId: 7 }],
      ['promote-co-host', { targetPeerId: 'x'.repeat(65) }],
      ['reaction', { emoji: 1 }],
    ];
    for (const [event, data] of cases) {
      a.send(event, data);
      const err = await a.nextError();
      assert.equal(err.code, 'INVALID_PAYLOAD', `${event} ${JSON.stringify(data).slice(0, 60)}`);
      assert.equal(err.event, event);
    }
    await stillWorks(a, [a, b]);
    // 2000 characters (not bytes) are fine.
    a.send('chat-message', { message: 'é'.repeat(2000) });
    assert.equal((await b.next('chat-message')).message, 'é'.repeat(2000));

    // join itself, before joining.
    const c = await connect(server, roomId('fields-join'), 'carol');
    for (const data of [{}, { username: '' }, { username: ' ' }, { username: 'x'.repeat(65) }, { username: 5 },
      { username: 'Carol', peerId: 'no spaces allowed' }, { username: 'Carol', resumeToken: 5 }]) {
      c.send('join', data);
      const err = await c.nextError();
      assert.equal(err.code, 'INVALID_PAYLOAD', JSON.stringify(data));
      assert.equal(err.event, 'join');
    }
    await c.join('Carol');
    await closeAll([a, b, c]);
  });
});

test('data that is not an object gets INVALID_PAYLOAD; missing data counts as {}', async () => {
  await withServer(base, async (server) => {
    const [a, b] = await joinAll(server, roomId('data'), ['Alice', 'Bob']);
    for (const data of ['"hello"', '[1]', '5', 'true']) {
      b.sendRaw(`{"event":"chat-message","data":${data}}`);
      const err = await b.nextError();
      assert.equal(err.code, 'INVALID_PAYLOAD', data);
      assert.equal(err.event, 'chat-message');
    }
    b.sendRaw('{"event":"raise-hand"}');
    await a.next('raise-hand', { where: (d) => d.peerId === b.peerId });
    await stillWorks(b, [a, b]);
    await closeAll([a, b]);
  });
});

test('events before join get NOT_JOINED; the connection can still join', async () => {
  await withServer(base, async (server) => {
    const room = roomId('lobby');
    const [a] = await joinAll(server, room, ['Alice']);
    const c = await connect(server, room, 'early');
    for (const [event, data] of [['chat-message', { message: 'hi' }], ['room-locked', {}],
      ['offer', { targetPeerId: a.peerId, sdp: 'v=0' }], ['raise-hand', {}]]) {
      c.send(event, data);
      const err = await c.nextError();
      assert.equal(err.code, 'NOT_JOINED', event);
      assert.equal(err.event, event);
    }
    await c.join('Carol');
    await a.next('peer-joined', { where: (d) => d.peerId === c.peerId });
    assert.deepEqual(a.all('offer'), [], 'nothing was relayed before join');
    assert.deepEqual(a.all('chat-message'), []);
    await stillWorks(c, [a, c]);
    await closeAll([a, c]);
  });
});

test('a frame over server.max_frame_bytes gets MESSAGE_TOO_LARGE and the connection goes on', async () => {
  await withServer({ ...base, settings: { 'server.max_frame_bytes': 1024 } }, async (server) => {
    const [a, b] = await joinAll(server, roomId('big'), ['Alice', 'Bob']);
    b.send('chat-message', { message: 'x'.repeat(1100) });
    let err = await b.nextError();
    assert.equal(err.code, 'MESSAGE_TOO_LARGE');
    await stillWorks(b, [a, b]);

    // Far over the limit (1 MiB): skipped, not buffered.
    b.send('chat-message', { message: 'y'.repeat(1 << 20) });
    assert.equal((await b.nextError({ timeout: 5000 })).code, 'MESSAGE_TOO_LARGE');
    await stillWorks(b, [a, b]);

    // Fragmented: a message assembled from small fragments counts as a whole.
    const json = JSON.stringify({ event: 'chat-message', data: { message: 'z'.repeat(1200) } });
    b.ws.send(json.slice(0, 600), { fin: false });
    b.ws.send(json.slice(600), { fin: true });
    err = await b.nextError();
    assert.equal(err.code, 'MESSAGE_TOO_LARGE');
    // Under the limit, fragments are reassembled.
    const ok = JSON.stringify({ event: 'chat-message', data: { message: 'in three parts' } });
    b.ws.send(ok.slice(0, 10), { fin: false });
    b.ws.send(ok.slice(10, 30), { fin: false });
    b.ws.send(ok.slice(30), { fin: true });
    assert.equal((await a.next('chat-message', { where: (d) => d.message === 'in three parts' })).peerId, b.peerId);
    assert.ok(!a.all('chat-message').some((m) => m.message.startsWith('x') || m.message.startsWith('y')),
      'oversized messages were not delivered');
    await stillWorks(b, [a, b]);
    await closeAll([a, b]);
  });
});

test('a binary frame gets UNSUPPORTED_DATA and the connection goes on', async () => {
  await withServer(base, async (server) => {
    const [a, b] = await joinAll(server, roomId('binary'), ['Alice', 'Bob']);
    b.sendRaw(Buffer.from(JSON.stringify({ event: 'chat-message', data: { message: 'binary' } })), { binary: true });
    assert.equal((await b.nextError()).code, 'UNSUPPORTED_DATA');
    await stillWorks(b, [a, b]);
    assert.ok(!a.all('chat-message').some((m) => m.message === 'binary'));
    await closeAll([a, b]);
  });
});

test('a text frame that is not UTF-8 closes that connection with 1007 without harming the room', async () => {
  await withServer(base, async (server) => {
    const [a, b] = await joinAll(server, roomId('utf8'), ['Alice', 'Bob']);
    const bad = Buffer.concat([Buffer.from('{"event":"chat-message","data":{"message":"'), Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('"}}')]);
    b.sendRaw(bad, { binary: false });
    // RFC 6455 8.1: the connection fails with 1007; never a broadcast of invalid UTF-8.
    assert.equal((await b.waitClose()).code, 1007);
    await a.next('peer-left', { where: (d) => d.peerId === b.peerId });
    await stillWorks(a, [a]);
    assert.equal(a.closeInfo, null, 'the other member is unaffected');
    await closeAll([a, b]);
  });
});

test('flooding gets RATE_LIMITED (once a second); the same connection works after the bucket refills', async () => {
  const settings = { 'server.rate_limit_per_second': 5, 'server.rate_limit_burst': 5 };
  await withServer({ ...base, settings }, async (server) => {
    const [a, b] = await joinAll(server, roomId('flood'), ['Alice', 'Bob']);
    for (let i = 0; i < 40; ++i)
      b.send('chat-message', { message: `flood ${i}` });
    const err = await b.nextError();
    assert.equal(err.code, 'RATE_LIMITED');
    // The other member is not limited by Bob's flood.
    await stillWorks(a, [a, b]);
    const delivered = a.all('chat-message').filter((m) => m.message.startsWith('flood'));
    assert.ok(delivered.length >= 3 && delivered.length <= 8, `delivered ${delivered.length} of 40 (burst 5)`);
    assert.deepEqual(delivered.map((m) => m.message), delivered.map((_, i) => `flood ${i}`), 'the first ones, in order');
    assert.equal(b.all('error').filter((e) => e.code === 'RATE_LIMITED').length, 1, 'one error, not one per message');
    // The bucket refills at 5 per second: wait for it, there is no event for that.
    await new Promise((r) => setTimeout(r, 1100));
    await stillWorks(b, [a, b]);
    await closeAll([a, b]);
  });
});

test('raw TCP garbage and malformed handshakes get HTTP errors; the node keeps working', async () => {
  await withServer(base, async (server) => {
    const room = roomId('garbage');
    const [a, b] = await joinAll(server, room, ['Alice', 'Bob']);
    const cases = [
      ['garbage line', 'hello there\r\n\r\n', 400],
      ['binary noise', Buffer.from([0, 1, 2, 3, 255, 254, 13, 10, 13, 10]), 400],
      ['bad Sec-WebSocket-Key', upgradeRequest(`/room/${room}/websocket`, { key: 'short' }), 400],
      ['missing Sec-WebSocket-Key', `GET /room/${room}/websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n`
        + 'Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n', 400],
      // RFC 6455 4.2.2: 426 with the version we speak (checked below).
      ['wrong version', upgradeRequest(`/room/${room}/websocket`, { version: '8' }), 426],
      ['upgrade elsewhere', upgradeRequest('/nowhere'), 404],
      ['header too large', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(10000)}\r\n\r\n`, 413],
    ];
    for (const [what, bytes, status] of cases) {
      const raw = await RawSocket.connect(server.port);
      raw.write(bytes);
      const res = await raw.readHttpHead();
      assert.equal(res.status, status, what);
      if (status === 426)
        assert.match(res.head, /\r\nSec-WebSocket-Version: 13\r\n/i, 'a 426 names the version we speak');
      await raw.waitEnd();
      await stillWorks(b, [a, b]);
    }
    // A peer that connects and hangs up mid-request.
    const quitter = await RawSocket.connect(server.port);
    quitter.write('GET /room/x/web');
    quitter.destroy();
    await nodeWorks(server);
    await stillWorks(a, [a, b]);
    await closeAll([a, b]);
  });
});

test('WebSocket protocol violations close that socket with 1002; the room goes on', async () => {
  await withServer(base, async (server) => {
    const room = roomId('protocol');
    const [a] = await joinAll(server, room, ['Alice']);
    const violations = [
      ['unmasked frame', encodeFrame(OP.text, '{"event":"raise-hand"}', { mask: false })],
      ['reserved opcode', Buffer.from([0x83, 0x80, 0, 0, 0, 0])],
      ['RSV1 without an extension', Buffer.from([0xc1, 0x80, 0, 0, 0, 0])],
      ['fragmented ping', encodeFrame(OP.ping, 'x', { fin: false })],
      ['continuation without start', encodeFrame(OP.continuation, 'x')],
    ];
    for (const [what, frame] of violations) {
      const raw = await RawWebSocket.open(server.port, `/room/${room}/websocket`);
      raw.send('join', { username: 'Rogue' });
      const peers = await raw.nextEvent('peers');
      await a.next('peer-joined', { where: (d) => d.peerId === peers.data.yourId });
      raw.raw.write(frame);
      assert.equal((await raw.nextClose()).code, 1002, what);
      await raw.raw.waitEnd(7000);
      assert.deepEqual(await a.next('peer-left', { where: (d) => d.peerId === peers.data.yourId }),
        { peerId: peers.data.yourId }, what);
    }
    await stillWorks(a, [a]);
    await nodeWorks(server);
    await closeAll([a]);
  });
});

test('RFC 6455 details: pings between fragments, close codes, keep-alive before the upgrade', async () => {
  await withServer(base, async (server) => {
    const room = roomId('rfc');
    const [a] = await joinAll(server, room, ['Alice']);
    // A keep-alive HTTP request, then the upgrade on the same connection.
    const raw = await RawSocket.connect(server.port);
    raw.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal((await raw.readHttpHead()).status, 200);
    await raw.waitFor((b) => (b.length >= 15 ? ((raw.buffer = b.subarray(15)), true) : undefined), 2000, 'body');
    raw.write(upgradeRequest(`/room/${room}/websocket`));
    assert.equal((await raw.readHttpHead()).status, 101);
    const ws = new RawWebSocket(raw);
    ws.send('join', { username: 'Frank' });
    await ws.nextEvent('peers');

    // A ping may come between the fragments of a message.
    const msg = JSON.stringify({ event: 'chat-message', data: { message: 'in fragments' } });
    raw.write(encodeFrame(OP.text, msg.slice(0, 10), { fin: false }));
    raw.write(encodeFrame(OP.ping, 'hello'));
    raw.write(encodeFrame(OP.continuation, msg.slice(10, 20), { fin: false }));
    raw.write(encodeFrame(OP.continuation, msg.slice(20), { fin: true }));
    assert.equal((await ws.nextFrame((f) => f.opcode === OP.pong, 2000, 'pong')).payload.toString(), 'hello');
    assert.equal((await a.next('chat-message')).message, 'in fragments');

    // An invalid close code is answered with 1002.
    raw.write(encodeFrame(OP.close, Buffer.from([0x03, 0xe7]))); // 999
    assert.equal((await ws.nextClose()).code, 1002);
    await raw.waitEnd();
    await a.next('peer-left');
    await closeAll([a]);
  });
});

test('HTTP: 404 for unknown paths, 426 for a room path without upgrade, 200 on /healthz and the landing page', async () => {
  await withServer(base, async (server) => {
    // `/` without an upgrade is the landing page (what this node serves).
    const home = await httpGet(server, '/');
    assert.equal(home.status, 200);
    assert.match(home.headers.get('content-type'), /text\/html/);
    for (const p of ['/nope', '/index.html', '/room', '/room/abc', '/room/abc/websocket/extra', '/room//websocket', '/healthz/x'])
      assert.equal((await httpGet(server, p)).status, 404, p);
    const r = await httpGet(server, `/room/${roomId('http')}/websocket`);
    assert.equal(r.status, 426);
    assert.equal((await httpGet(server, `/room/abc/websocket?x=1`)).status, 426);
    const h = await httpGet(server, '/healthz');
    assert.equal(h.status, 200);
    assert.deepEqual(JSON.parse(h.body), { status: 'ok' });
    // A WebSocket client on an unknown path is refused at the upgrade.
    await assert.rejects(new Client(`${server.url}/elsewhere`).open(), (e) => e.statusCode === 404);
  });
});

test('a client that stops reading is closed with 1008 once its send queue is full; the room goes on', async () => {
  const settings = { 'server.send_queue_bytes': 1 << 20, 'conference.max_message_chars': 20000 };
  await withServer({ ...base, settings }, async (server) => {
    const [a, slow] = await joinAll(server, roomId('slow'), ['Alice', 'Slow']);
    slow.ws._socket.pause(); // reads nothing from now on: kernel buffers fill, then its server-side queue
    // Random text: compressed (permessage-deflate) it is still about 12 KB a message.
    const big = randomBytes(12000).toString('base64');
    // 24 MB in all (18 MB compressed): more than loopback socket buffers plus the 1 MiB queue.
    const total = 1500;
    await sendNumbered(a, total, big);
    // Reading again, the slow client finds the server's goodbye behind what
    // the socket buffers held.
    slow.ws._socket.resume();
    const closed = await slow.waitClose(10000);
    assert.equal(closed.code, 1008, 'slow consumer');
    const got = slow.all('chat-message').length;
    assert.ok(got < total, `the slow client got ${got} of ${total} messages`);
    assert.deepEqual(await a.next('peer-left'), { peerId: slow.peerId });
    assert.equal(a.closeInfo, null, 'the sender was not affected');
    await stillWorks(a, [a]);
    await closeAll([a]);
  });
});

test('a client that stops reading for a while, then reads again, gets every message in order', async () => {
  // Its socket buffers fill, so the server's writes to it wait for the
  // socket and resume part-way through a batch; its queue (64 MiB) never fills.
  const settings = { 'server.send_queue_bytes': 64 << 20, 'conference.max_message_chars': 20000 };
  await withServer({ ...base, settings }, async (server) => {
    const [a, paused] = await joinAll(server, roomId('paused'), ['Alice', 'Paused']);
    paused.ws._socket.pause();
    const big = 'y'.repeat(15000);
    const total = 1200; // 18 MB: more than loopback socket buffers hold
    await sendNumbered(a, total, big);
    paused.ws._socket.resume();
    for (let i = 0; i < total; ++i) {
      const m = await paused.next('chat-message', { timeout: 10000 });
      assert.equal(m.message, `${i} ${big}`, `message ${i} arrives whole and in order`);
    }
    assert.equal(paused.closeInfo, null, 'the paused client stays connected');
    await stillWorks(a, [a, paused]);
    await closeAll([a, paused]);
  });
});
