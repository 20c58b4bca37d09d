// The Socket.IO transport itself, driven by the real socket.io-client against
// the conformance namespaces ("/" echoes, "/custom" does not), with the server
// started with socketio.conformance = true.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { io } from 'socket.io-client';

import { withServer } from './lib/server.mjs';
import { sleep } from './lib/chat.mjs';

const options = { config: 'integration.toml', settings: { 'socketio.conformance': true } };

function open(server, nsp = '/', extra = {}) {
  const socket = io(`${server.httpUrl}${nsp}`, { forceNew: true, reconnection: false, timeout: 5000, ...extra });
  socket.received = [];
  socket.onAny((event, ...args) => socket.received.push({ event, args }));
  return socket;
}

function connected(socket) {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

function once(socket, event, ms = 5000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms);
    socket.once(event, (...args) => { clearTimeout(t); resolve(args); });
  });
}

for (const [name, transports] of [['default transports', undefined], ['websocket only', ['websocket']],
  ['polling only', ['polling']]]) {
  test(`${name}: auth on connect, message -> message-back, message-with-ack`, async () => {
    await withServer(options, async (server) => {
      const s = open(server, '/', { transports, auth: { who: name } });
      const authSeen = once(s, 'auth');
      await connected(s);
      assert.deepEqual((await authSeen)[0], { who: name });
      for (let i = 0; i < 5; ++i) {
        const back = once(s, 'message-back');
        s.emit('message', i, 'two', { three: [3] });
        assert.deepEqual(await back, [i, 'two', { three: [3] }]);
      }
      const acks = await Promise.all([1, 2, 3, 4, 5].map((i) => s.timeout(3000).emitWithAck('message-with-ack', i, `x${i}`)));
      assert.deepEqual(acks, [1, 2, 3, 4, 5]);
      // Several arguments come back on the ack too.
      const many = await new Promise((resolve) => s.emit('message-with-ack', 'a', 2, null, (...args) => resolve(args)));
      assert.deepEqual(many, ['a', 2, null]);
      // Binary attachments survive both ways.
      const bin = once(s, 'message-back');
      s.emit('message', Buffer.from([1, 2, 3]));
      assert.deepEqual([...(await bin)[0]], [1, 2, 3]);
      if (transports)
        assert.equal(s.io.engine.transport.name, transports[0]);
      else {
        if (s.io.engine.transport.name !== 'websocket')
          await once(s.io.engine, 'upgrade');
        assert.equal(s.io.engine.transport.name, 'websocket');
      }
      s.close();
    });
  });
}

test('polling only: a burst of messages and acks arrives complete and in order', async () => {
  await withServer(options, async (server) => {
    const s = open(server, '/', { transports: ['polling'] });
    await connected(s);
    const got = [];
    s.on('message-back', (n) => got.push(n));
    const acks = Promise.all(Array.from({ length: 50 }, (_, i) => s.timeout(5000).emitWithAck('message-with-ack', i)));
    for (let i = 0; i < 50; ++i)
      s.emit('message', i);
    assert.deepEqual(await acks, Array.from({ length: 50 }, (_, i) => i));
    for (let t = 0; t < 100 && got.length < 50; ++t)
      await sleep(20);
    assert.deepEqual(got, Array.from({ length: 50 }, (_, i) => i));
    s.close();
  });
});

test('the custom namespace answers auth but does not echo', async () => {
  await withServer(options, async (server) => {
    const s = open(server, '/custom', { auth: { token: 'abc' } });
    const authSeen = once(s, 'auth');
    await connected(s);
    assert.deepEqual((await authSeen)[0], { token: 'abc' });
    s.emit('message', 1);
    await sleep(300);
    assert.equal(s.received.filter((r) => r.event === 'message-back').length, 0);
    s.close();
  });
});

test('an unknown namespace gets connect_error "Invalid namespace"', async () => {
  await withServer(options, async (server) => {
    const s = open(server, '/nowhere');
    await assert.rejects(connected(s), (err) => {
      assert.equal(err.message, 'Invalid namespace');
      return true;
    });
    s.close();
  });
});

test('the client reconnects after the server closed its session', async () => {
  await withServer(options, async (server) => {
    const s = open(server, '/', { reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 200 });
    await connected(s);
    const firstEngine = s.io.engine.id;
    const reasons = [];
    s.on('disconnect', (reason) => reasons.push(reason));
    const again = new Promise((resolve) => s.io.once('reconnect', resolve));
    // A packet socket.io-parser would reject: the server ends the session.
    s.io.engine.write('9 not a socket.io packet');
    await again;
    await (s.connected ? Promise.resolve() : once(s, 'connect'));
    assert.notEqual(s.io.engine.id, firstEngine, 'a new Engine.IO session');
    assert.ok(reasons.length >= 1, 'the client saw the disconnect');
    const back = once(s, 'message-back');
    s.emit('message', 'after');
    assert.deepEqual(await back, ['after']);
    s.close();
  });
});
