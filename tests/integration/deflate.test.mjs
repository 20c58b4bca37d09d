// permessage-deflate (RFC 7692) with real clients: npm ws with compression on
// and off in the same room, compressed messages from clients, socket.io-client
// over WebSocket, and a broadcast compressed once for all its recipients
// (counted in /metrics).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';

import { withServer, httpGet, withTimeout } from './lib/server.mjs';
import { SECRET, tokenFor, chatSocket, connected, next, ask, chatRoomId } from './lib/chat.mjs';

const base = { config: 'integration.toml', args: ['--jwt-secret', SECRET] };

/// A conference client on npm ws; `deflate`: its perMessageDeflate option.
async function conferenceClient(server, room, username, deflate) {
  const ws = new WebSocket(server.roomUrl(room), { perMessageDeflate: deflate });
  const received = [];
  const waiters = [];
  ws.on('message', (data, isBinary) => {
    const msg = JSON.parse(data.toString());
    received.push(msg);
    for (const w of [...waiters])
      if (w.match(msg)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(msg);
      }
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const c = {
    ws,
    received,
    send: (event, data) => ws.send(JSON.stringify({ event, data })),
    next(event, where = () => true, timeout = 5000) {
      const match = (m) => m.event === event && where(m.data);
      const seen = received.find(match);
      if (seen) {
        received.splice(received.indexOf(seen), 1);
        return Promise.resolve(seen.data);
      }
      const p = new Promise((resolve) => waiters.push({ match, resolve: (m) => {
        received.splice(received.indexOf(m), 1);
        resolve(m.data);
      } }));
      return withTimeout(p, timeout, `${username}: no '${event}'`);
    },
  };
  c.send('join', { username });
  c.peers = await c.next('peers');
  await c.next('chat-history');
  return c;
}

/// The value of a counter in /metrics.
async function metric(server, name) {
  const { body } = await httpGet(server, '/metrics');
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(body);
  assert.ok(m, `${name} in /metrics`);
  return Number(m[1]);
}

const chatText = (n, seed) => (`${seed}: ` + 'the quarterly numbers are in, see the shared folder. '.repeat(n)).trimEnd();

test('ws clients with and without compression in one room get the same messages', async () => {
  await withServer(base, async (server) => {
    const room = 'deflate-mixed';
    const zipped = await conferenceClient(server, room, 'zipped', true);
    const plain = await conferenceClient(server, room, 'plain', false);
    assert.equal(zipped.ws.extensions, 'permessage-deflate'); // ws lists the names; the parameters: ws_conformance
    assert.equal(plain.ws.extensions, '');
    await zipped.next('peer-joined');

    // Large (compressed for `zipped`) and small (never compressed) messages, both ways.
    const texts = [chatText(20, 'a'), 'short one', chatText(30, 'b')];
    for (const [i, t] of texts.entries())
      (i % 2 ? plain : zipped).send('chat-message', { message: t });
    for (const c of [zipped, plain])
      for (const t of texts) {
        const m = await c.next('chat-message', (d) => d.message === t);
        assert.equal(m.message, t);
      }
    zipped.ws.close();
    plain.ws.close();
  });
});

test('a broadcast is compressed once for all the clients that negotiated compression', async () => {
  await withServer(base, async (server) => {
    const room = 'deflate-once';
    const zipped = [];
    for (let i = 0; i < 4; ++i)
      zipped.push(await conferenceClient(server, room, `z${i}`, true));
    const plain = [];
    for (let i = 0; i < 2; ++i)
      plain.push(await conferenceClient(server, room, `p${i}`, false));
    const everyone = [...zipped, ...plain];
    const last = everyone[everyone.length - 1];
    for (const c of everyone.slice(0, -1))
      await c.next('peer-joined', (d) => d.username === 'p1');

    const compressedBefore = await metric(server, 'roomcast_deflate_frames_compressed_total');
    const sentBefore = await metric(server, 'roomcast_deflate_frames_sent_total');
    const text = chatText(30, 'once');
    last.send('chat-message', { message: text });
    for (const c of everyone)
      assert.equal((await c.next('chat-message', (d) => d.message === text)).message, text);
    // The sent counter is bumped when the write completes: let it land.
    let sent = 0;
    for (let i = 0; i < 50 && sent < sentBefore + zipped.length; ++i) {
      sent = await metric(server, 'roomcast_deflate_frames_sent_total');
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(await metric(server, 'roomcast_deflate_frames_compressed_total') - compressedBefore, 1,
      'one compression for the broadcast');
    assert.equal(sent - sentBefore, zipped.length, 'the compressed frame went to each deflate client');
    for (const c of everyone)
      c.ws.close();
  });
});

test('compressed client messages are inflated and a conference room hears them', async () => {
  await withServer(base, async (server) => {
    const room = 'deflate-inbound';
    // threshold 0: the client compresses everything it sends.
    const sender = await conferenceClient(server, room, 'sender', { threshold: 0 });
    const reader = await conferenceClient(server, room, 'reader', false);
    await sender.next('peer-joined');
    const before = await metric(server, 'roomcast_deflate_messages_inflated_total');
    const texts = ['tiny', chatText(35, 'inbound'), 'κόσμε 👍 ' + chatText(3, 'utf8')];
    for (const t of texts)
      sender.send('chat-message', { message: t });
    for (const t of texts)
      assert.equal((await reader.next('chat-message', (d) => d.message === t)).message, t);
    assert.ok(await metric(server, 'roomcast_deflate_messages_inflated_total') - before >= texts.length);
    sender.ws.close();
    reader.ws.close();
  });
});

test('clients that keep their compression context work with context takeover enabled', async () => {
  await withServer({ ...base, settings: { 'server.deflate_client_context_takeover': true } }, async (server) => {
    const room = 'deflate-takeover';
    const sender = await conferenceClient(server, room, 'sender', { threshold: 0 });
    const reader = await conferenceClient(server, room, 'reader', true);
    await sender.next('peer-joined');
    const texts = [];
    for (let i = 0; i < 10; ++i)
      texts.push(chatText(10, `repeat ${i}`)); // each refers back into the previous ones
    for (const t of texts)
      sender.send('chat-message', { message: t });
    for (const t of texts)
      assert.equal((await reader.next('chat-message', (d) => d.message === t)).message, t);
    sender.ws.close();
    reader.ws.close();
  });
});

test('with server.deflate = false nothing is negotiated', async () => {
  await withServer({ ...base, settings: { 'server.deflate': false } }, async (server) => {
    const c = await conferenceClient(server, 'deflate-off', 'c', true);
    assert.equal(c.ws.extensions, '');
    const text = chatText(20, 'off');
    c.send('chat-message', { message: text });
    assert.equal((await c.next('chat-message', (d) => d.message === text)).message, text);
    c.ws.close();
  });
});

test('socket.io-client over WebSocket negotiates compression and chats through it', async () => {
  await withServer(base, async (server) => {
    const room = chatRoomId('deflate');
    const a = await connected(chatSocket(server, { token: tokenFor('dz-alice', 'Alice'), transports: ['websocket'] }));
    const b = await connected(chatSocket(server, { token: tokenFor('dz-bob', 'Bob'), transports: ['websocket'] }));
    assert.match(a.io.engine.transport.ws.extensions, /permessage-deflate/);
    await ask(a, 'joinRoom', { roomId: room });
    await ask(b, 'joinRoom', { roomId: room });
    const compressedBefore = await metric(server, 'roomcast_deflate_frames_compressed_total');
    const inflatedBefore = await metric(server, 'roomcast_deflate_messages_inflated_total');
    const content = chatText(30, 'sio'); // over socket.io-client's 1024-byte threshold: sent compressed
    const since = b.received.length;
    const sent = await ask(a, 'sendMessage', { roomId: room, content, messageType: 'TEXT' });
    assert.equal(sent.success, true);
    const got = await next(b, 'receiveMessage', { since });
    assert.equal(got.content, content);
    assert.ok(await metric(server, 'roomcast_deflate_frames_compressed_total') > compressedBefore);
    assert.ok(await metric(server, 'roomcast_deflate_messages_inflated_total') > inflatedBefore);
    a.close();
    b.close();
  });
});
