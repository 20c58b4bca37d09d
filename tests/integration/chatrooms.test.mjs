// The chatrooms dialect (protocols/chatrooms.md) with the real socket.io-client:
// every event, the three transport setups, presence across tabs, typing
// expiry, rate limits in both columns, the HTTP endpoints, and history that
// survives a restart and kill -9.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { withServer, httpGet } from './lib/server.mjs';
import {
  SECRET, sign, tokenFor, chatSocket, connected, connectUser, next, ask, all, sleep, disconnected, chatRoomId,
} from './lib/chat.mjs';

const base = {
  config: 'integration.toml',
  args: ['--jwt-secret', SECRET],
  settings: { 'chatrooms.typing_timeout_ms': 400, 'chatrooms.presence_grace_ms': 300 },
};

function withChat(fn, extra = {}) {
  return withServer({ ...base, ...extra, settings: { ...base.settings, ...(extra.settings ?? {}) },
    args: [...base.args, ...(extra.args ?? [])] }, fn);
}

function isError(body, status) {
  assert.equal(body.success, false);
  assert.equal(body.statusCode, status);
  assert.equal(typeof body.error, 'string');
  assert.equal(typeof body.message, 'string');
  assert.ok(!Number.isNaN(Date.parse(body.timestamp)));
}

async function history(server, room, token, query = '') {
  const res = await httpGet(server, `/api/rooms/${room}/messages${query}`,
    token ? { Authorization: `Bearer ${token}` } : {});
  return { status: res.status, body: JSON.parse(res.body) };
}

test('every client event is answered as an ack and as its event', async () => {
  await withChat(async (server) => {
    const room = chatRoomId();
    const a = await connectUser(server, 'ev-alice', 'Alice');
    const b = await connectUser(server, 'ev-bob', 'Bob');

    const joined = await ask(a, 'joinRoom', { roomId: room });
    assert.deepEqual(joined, { event: 'joinedRoom', roomId: room, success: true });
    assert.deepEqual(await next(a, 'joinedRoom', { since: 0 }), joined);
    const users = await next(a, 'roomUsers', { since: 0 });
    assert.deepEqual(users, { roomId: room, users: [{ userId: 'ev-alice', username: 'Alice' }] });

    await ask(b, 'joinRoom', { roomId: room });
    const uj = await next(a, 'userJoined', { since: 0 });
    assert.equal(uj.userId, 'ev-bob');
    assert.equal(uj.roomId, room);
    assert.equal((await next(b, 'roomUsers', { since: 0 })).users.length, 2);

    const sent = await ask(a, 'sendMessage', { roomId: room, content: 'hello <b>world</b>', messageType: 'TEXT' });
    assert.equal(sent.event, 'messageSent');
    assert.equal(sent.success, true);
    const m = sent.message;
    assert.equal(m.content, 'hello &lt;b&gt;world&lt;/b&gt;');
    assert.deepEqual(m.author, { id: 'ev-alice', username: 'Alice' });
    assert.equal(m.roomId, room);
    assert.equal(m.messageType, 'TEXT');
    for (const k of ['id', 'timestamp', 'createdAt', 'updatedAt'])
      assert.equal(typeof m[k], 'string', k);
    assert.deepEqual(await next(b, 'receiveMessage', { since: 0 }), m);
    assert.deepEqual(await next(a, 'receiveMessage', { since: 0 }), m); // the sender too
    assert.deepEqual((await next(a, 'messageSent', { since: 0 })).message, m);

    assert.deepEqual(await ask(b, 'typing', { roomId: room, isTyping: true }), { event: 'typingUpdated', success: true });
    const t = await next(a, 'userTyping', { since: 0 });
    assert.equal(t.userId, 'ev-bob');
    assert.equal(t.isTyping, true);
    await next(b, 'typingUpdated', { since: 0 });

    assert.deepEqual(await ask(a, 'getRoomStats', { roomId: room }), { event: 'roomStatsRetrieved', success: true });
    const stats = await next(a, 'roomStats', { since: 0 });
    assert.equal(stats.roomId, room);
    assert.equal(stats.userCount, 2);
    assert.deepEqual(stats.typingUsers, ['ev-bob']);
    assert.equal(stats.users.length, 2);

    const hb = await ask(a, 'heartbeat');
    assert.equal(hb.event, 'heartbeatResponse');
    assert.equal(hb.success, true);
    assert.ok(Date.parse(hb.timestamp) > 0);
    await next(a, 'heartbeatResponse', { since: 0 });

    assert.deepEqual(await ask(b, 'leaveRoom', { roomId: room }), { event: 'leftRoom', roomId: room, success: true });
    const left = await next(a, 'userLeft', { since: 0 });
    assert.equal(left.userId, 'ev-bob');
    // After leaving, the room's events are refused.
    isError(await ask(b, 'sendMessage', { roomId: room, content: 'late' }), 400);

    // Events without a callback are answered by their event only.
    const before = b.received.length;
    b.emit('heartbeat');
    await next(b, 'heartbeatResponse', { since: before });
    a.close();
    b.close();
  });
});

test('invalid events get 400 errors and the connection keeps working', async () => {
  await withChat(async (server) => {
    const room = chatRoomId();
    const a = await connectUser(server, 'bad-alice');
    await ask(a, 'joinRoom', { roomId: room });
    const cases = [
      ['sendMessage', { roomId: room }],
      ['sendMessage', { roomId: room, content: '' }],
      ['sendMessage', { roomId: room, content: 'x'.repeat(2001) }],
      ['sendMessage', { roomId: room, content: 'x', messageType: 'VIDEO' }],
      ['sendMessage', { roomId: 'not joined', content: 'x' }],
      ['sendMessage', { roomId: 'never-joined', content: 'x' }],
      ['joinRoom', {}],
      ['joinRoom', { roomId: 'a/b' }],
      ['typing', { roomId: room, isTyping: 'yes' }],
      ['getRoomStats', { roomId: 'elsewhere' }],
      ['leaveRoom', { roomId: 'elsewhere' }],
      ['noSuchEvent', {}],
      ['joinRoom', 'general'],
    ];
    for (const [event, payload] of cases) {
      const before = a.received.length;
      const body = await ask(a, event, payload);
      isError(body, 400);
      assert.deepEqual(await next(a, 'error', { since: before }), body, `${event} also emits error`);
    }
    const ok = await ask(a, 'sendMessage', { roomId: room, content: 'x'.repeat(2000) });
    assert.equal(ok.success, true);
    assert.equal(ok.message.content.length, 2000);
    a.close();
  });
});

for (const [name, transports] of [['default transports (polling, then the upgrade)', undefined],
  ['websocket only', ['websocket']], ['polling only', ['polling']]]) {
  test(`a conversation over ${name}`, async () => {
    await withChat(async (server) => {
      const room = chatRoomId();
      const a = await connectUser(server, `tr-a-${transports?.[0] ?? 'default'}`, 'A', { transports });
      const b = await connectUser(server, `tr-b-${transports?.[0] ?? 'default'}`, 'B', { transports });
      await ask(a, 'joinRoom', { roomId: room });
      await ask(b, 'joinRoom', { roomId: room });
      if (!transports) // the default client upgrades to WebSocket once it can
        await new Promise((resolve) => {
          if (a.io.engine.transport.name === 'websocket')
            return resolve();
          a.io.engine.once('upgrade', resolve);
        });
      const texts = Array.from({ length: 10 }, (_, i) => `${name} ${i}`);
      const acks = await Promise.all(texts.map((content) => ask(a, 'sendMessage', { roomId: room, content })));
      assert.ok(acks.every((x) => x.success));
      await next(b, 'receiveMessage', { since: 0, where: (m) => m.content === texts[9] });
      assert.deepEqual(all(b, 'receiveMessage').map((m) => m.content), texts, 'in order');
      if (transports)
        assert.equal(a.io.engine.transport.name, transports[0]);
      else
        assert.equal(a.io.engine.transport.name, 'websocket');
      a.close();
      b.close();
    });
  });
}

test('tokens are taken from auth, the Authorization header and the query; bad ones are refused', async () => {
  await withChat(async (server) => {
    const viaHeader = await connected(chatSocket(server, {
      extraHeaders: { Authorization: `Bearer ${tokenFor('hdr-user', 'Header')}` }, transports: ['polling'],
    }));
    const viaQuery = await connected(chatSocket(server, { query: { token: tokenFor('q-user', 'Query') } }));
    const room = chatRoomId();
    await ask(viaHeader, 'joinRoom', { roomId: room });
    const j = await ask(viaQuery, 'joinRoom', { roomId: room });
    assert.equal(j.success, true);
    const users = (await next(viaQuery, 'roomUsers', { since: 0 })).users.map((u) => u.userId).sort();
    assert.deepEqual(users, ['hdr-user', 'q-user']);
    // The author is the token's user, whatever the payload claims.
    const sent = await ask(viaQuery, 'sendMessage', { roomId: room, content: 'hi', author: { id: 'admin' }, userId: 'admin' });
    assert.equal(sent.message.author.id, 'q-user');

    for (const [what, opts] of [
      ['no token', {}],
      ['a forged token', { token: sign({ sub: 'x' }, 'wrong secret') }],
      ['an expired token', { token: sign({ sub: 'x', exp: 1000 }) }],
      ['garbage', { token: 'not.a.jwt' }],
    ]) {
      const s = chatSocket(server, opts);
      await assert.rejects(connected(s), (err) => {
        assert.equal(err.message, 'Unauthorized', what);
        isError(err.data, 401);
        return true;
      });
      s.close();
    }
    viaHeader.close();
    viaQuery.close();
  });
});

test('an unknown namespace is refused and anonymous use needs chatrooms.allow_anonymous', async () => {
  await withChat(async (server) => {
    const s = chatSocket(server, { nsp: '/nope', token: tokenFor('x') });
    await assert.rejects(connected(s), /Invalid namespace/);
    s.close();
    const anon = chatSocket(server, {});
    await assert.rejects(connected(anon), /Unauthorized/);
    anon.close();
  });
  await withChat(async (server) => {
    const anon = await connected(chatSocket(server, {}));
    const room = chatRoomId();
    await ask(anon, 'joinRoom', { roomId: room });
    const sent = await ask(anon, 'sendMessage', { roomId: room, content: 'hi' });
    assert.match(sent.message.author.id, /^guest-/);
    anon.close();
  }, { settings: { 'chatrooms.allow_anonymous': true } });
});

test('presence spans tabs: online once, no offline while a tab remains, offline after the last', async () => {
  await withChat(async (server) => {
    const watcher = await connectUser(server, 'pr-watcher');
    const tab1 = await connectUser(server, 'pr-carol', 'Carol');
    const online = await next(watcher, 'userOnline', { since: 0, where: (u) => u.userId === 'pr-carol' });
    assert.equal(online.username, 'Carol');
    const tab2 = await connectUser(server, 'pr-carol', 'Carol');
    tab1.close();
    await sleep(800); // well past the grace period
    assert.equal(all(watcher, 'userOnline').filter((u) => u.userId === 'pr-carol').length, 1);
    assert.equal(all(watcher, 'userOffline').filter((u) => u.userId === 'pr-carol').length, 0);
    tab2.close();
    const off = await next(watcher, 'userOffline', { since: 0, where: (u) => u.userId === 'pr-carol' });
    assert.equal(off.username, 'Carol');
    // A reload within the grace period does not flicker.
    const again = await connectUser(server, 'pr-dan');
    await next(watcher, 'userOnline', { since: 0, where: (u) => u.userId === 'pr-dan' });
    again.close();
    const back = await connectUser(server, 'pr-dan');
    await sleep(800);
    assert.equal(all(watcher, 'userOffline').filter((u) => u.userId === 'pr-dan').length, 0);
    assert.equal(all(watcher, 'userOnline').filter((u) => u.userId === 'pr-dan').length, 1);
    back.close();
    watcher.close();
  });
});

test('typing expires by itself a moment after the last update', async () => {
  await withChat(async (server) => {
    const room = chatRoomId();
    const a = await connectUser(server, 'ty-a');
    const b = await connectUser(server, 'ty-b');
    await ask(a, 'joinRoom', { roomId: room });
    await ask(b, 'joinRoom', { roomId: room });
    const start = Date.now();
    await ask(a, 'typing', { roomId: room, isTyping: true });
    await next(b, 'userTyping', { since: 0, where: (t) => t.isTyping });
    const stop = await next(b, 'userTyping', { since: 0, where: (t) => !t.isTyping, timeout: 3000 });
    assert.equal(stop.userId, 'ty-a');
    const took = Date.now() - start;
    assert.ok(took >= 350 && took < 2000, `expired after ${took} ms (timeout 400 ms)`);
    await ask(b, 'getRoomStats', { roomId: room });
    assert.deepEqual((await next(b, 'roomStats', { since: 0 })).typingUsers, []);
    a.close();
    b.close();
  });
});

for (const [env, messages, joins] of [['development', 60, 20], ['production', 30, 10]]) {
  test(`rate limits in ${env}: ${messages} messages and ${joins} joins a minute per user, across tabs`, async () => {
    await withChat(async (server) => {
      const room = chatRoomId();
      const tab1 = await connectUser(server, 'rl-user');
      const tab2 = await connectUser(server, 'rl-user');
      await ask(tab1, 'joinRoom', { roomId: room });
      await ask(tab2, 'joinRoom', { roomId: room });
      const results = [];
      for (let i = 0; i < messages + 2; ++i)
        results.push(await ask(i % 2 ? tab2 : tab1, 'sendMessage', { roomId: room, content: `m${i}` }));
      assert.equal(results.filter((r) => r.success).length, messages);
      const refused = results.filter((r) => !r.success);
      assert.equal(refused.length, 2);
      for (const r of refused)
        isError(r, 429);
      await next(tab1, 'error', { since: 0, where: (e) => e.statusCode === 429 });
      // Joins: two were made above.
      const joinResults = [];
      for (let i = 0; i < joins; ++i)
        joinResults.push(await ask(tab1, 'joinRoom', { roomId: `${room}-${i % 3}` }));
      assert.equal(joinResults.filter((r) => r.success).length, joins - 2);
      isError(joinResults.at(-1), 429);
      // Other users are not affected; the connection keeps working.
      const other = await connectUser(server, 'rl-other');
      assert.equal((await ask(other, 'joinRoom', { roomId: room })).success, true);
      assert.equal((await ask(tab1, 'heartbeat')).success, true);
      const stats = JSON.parse((await httpGet(server, '/websocket/stats')).body);
      assert.equal(stats.rateLimiting.violations, 4);
      const health = JSON.parse((await httpGet(server, '/websocket/health')).body);
      assert.deepEqual(health.rateLimits, { windowMs: 60000, maxMessagesPerWindow: messages, maxJoinsPerWindow: joins,
        maxTypingEventsPerWindow: env === 'development' ? 120 : 60 });
      for (const s of [tab1, tab2, other])
        s.close();
    }, { args: ['--env', env] });
  });
}

test('a short window resets the limit (chatrooms.rate_window_ms)', async () => {
  await withChat(async (server) => {
    const room = chatRoomId();
    const a = await connectUser(server, 'win-user');
    await ask(a, 'joinRoom', { roomId: room });
    assert.equal((await ask(a, 'sendMessage', { roomId: room, content: '1' })).success, true);
    assert.equal((await ask(a, 'sendMessage', { roomId: room, content: '2' })).success, true);
    isError(await ask(a, 'sendMessage', { roomId: room, content: '3' }), 429);
    await sleep(700);
    assert.equal((await ask(a, 'sendMessage', { roomId: room, content: '4' })).success, true);
    a.close();
  }, { settings: { 'chatrooms.rate_window_ms': 600, 'chatrooms.rate_messages_production': 2 } });
});

test('a flood of events on one connection is cut by the node-wide guard, then it works again', async () => {
  await withChat(async (server) => {
    const a = await connectUser(server, 'flood-a');
    for (let i = 0; i < 30; ++i)
      a.emit('heartbeat');
    await next(a, 'error', { since: 0, where: (e) => e.statusCode === 429 });
    await sleep(300);
    const answered = all(a, 'heartbeatResponse').length;
    assert.ok(answered >= 5 && answered < 30, `${answered} of 30 answered`);
    assert.equal(all(a, 'error').length, 1, 'one error for the whole flood');
    await sleep(1100);
    assert.equal((await ask(a, 'heartbeat')).success, true);
    a.close();
  }, { settings: { 'server.rate_limit_per_second': 5, 'server.rate_limit_burst': 5 } });
});

test('health and stats report what the actors hold', async () => {
  await withChat(async (server) => {
    const room = chatRoomId();
    const a = await connectUser(server, 'hs-a');
    const a2 = await connectUser(server, 'hs-a');
    const b = await connectUser(server, 'hs-b');
    await ask(a, 'joinRoom', { roomId: room });
    await ask(b, 'joinRoom', { roomId: room });
    await ask(a, 'sendMessage', { roomId: room, content: 'one' });
    await ask(b, 'sendMessage', { roomId: room, content: 'two' });
    await ask(b, 'typing', { roomId: room, isTyping: true });

    const h = await httpGet(server, '/websocket/health');
    assert.equal(h.status, 200);
    const health = JSON.parse(h.body);
    assert.equal(health.status, 'healthy');
    assert.deepEqual(health.websocket, { namespace: '/chat', corsOrigin: '*', connectedUsers: 2, activeRooms: 1,
      totalTypingUsers: 1 });
    assert.deepEqual(health.features, { detailedLogging: false, metrics: true, heartbeat: true });

    const stats = JSON.parse((await httpGet(server, '/websocket/stats')).body);
    assert.deepEqual(stats.connections, { current: 3, total: 3, totalDisconnections: 0 });
    assert.equal(stats.rooms.active, 1);
    assert.equal(stats.rooms.totalCreated, 1);
    assert.equal(stats.rooms.details.length, 1);
    const d = stats.rooms.details[0];
    assert.equal(d.roomId, room);
    assert.equal(d.userCount, 2);
    assert.equal(d.typingUsers, 1);
    assert.ok(Date.parse(d.createdAt) <= Date.parse(d.lastActivity));
    assert.equal(stats.messages.totalProcessed, 2);
    assert.equal(stats.rateLimiting.violations, 0);

    a2.close();
    await disconnected(a2);
    await sleep(100);
    const after = JSON.parse((await httpGet(server, '/websocket/stats')).body);
    assert.deepEqual(after.connections, { current: 2, total: 3, totalDisconnections: 1 });
    a.close();
    b.close();
  });
});

test('the ping event comes every WS_HEARTBEAT_INTERVAL when WS_ENABLE_HEARTBEAT', async () => {
  await withChat(async (server) => {
    const a = await connectUser(server, 'ping-a');
    const p = await next(a, 'ping', { since: 0, timeout: 2000 });
    assert.ok(Date.parse(p.timestamp) > 0);
    await next(a, 'ping', { since: a.received.length, timeout: 2000 });
    a.close();
  }, { env: { WS_HEARTBEAT_INTERVAL: '300', WS_ENABLE_HEARTBEAT: 'true' } });
  await withChat(async (server) => {
    const a = await connectUser(server, 'ping-b');
    await sleep(800);
    assert.equal(all(a, 'ping').length, 0);
    a.close();
    const stats = await httpGet(server, '/websocket/stats');
    assert.equal(stats.status, 404); // WS_ENABLE_METRICS=false
  }, { env: { WS_HEARTBEAT_INTERVAL: '300', WS_ENABLE_HEARTBEAT: 'false', WS_ENABLE_METRICS: 'false' } });
});

test('WS_NAMESPACE moves the dialect', async () => {
  await withChat(async (server) => {
    const s = await connected(chatSocket(server, { nsp: '/rooms', token: tokenFor('ns-user') }));
    const room = chatRoomId();
    assert.equal((await ask(s, 'joinRoom', { roomId: room })).success, true);
    s.close();
    const old = chatSocket(server, { token: tokenFor('ns-user') });
    await assert.rejects(connected(old), /Invalid namespace/);
    old.close();
  }, { env: { WS_NAMESPACE: '/rooms' } });
});

test('the message history is paged newest first, for members only', async () => {
  await withChat(async (server) => {
    const room = chatRoomId();
    const a = await connectUser(server, 'hi-a');
    await ask(a, 'joinRoom', { roomId: room });
    for (let i = 1; i <= 5; ++i)
      await ask(a, 'sendMessage', { roomId: room, content: `m${i}` });
    const p1 = await history(server, room, tokenFor('hi-a'), '?page=1&limit=2');
    assert.equal(p1.status, 200);
    assert.deepEqual(p1.body.data.messages.map((m) => m.content), ['m5', 'm4']);
    assert.deepEqual(p1.body.data.pagination, { page: 1, limit: 2, total: 5, totalPages: 3, hasMore: true });
    const p3 = await history(server, room, tokenFor('hi-a'), '?page=3&limit=2');
    assert.deepEqual(p3.body.data.messages.map((m) => m.content), ['m1']);
    assert.equal((await history(server, room, tokenFor('hi-a'))).body.data.messages.length, 5);
    isError((await history(server, room, null)).body, 401);
    const stranger = await history(server, room, tokenFor('hi-stranger'));
    assert.equal(stranger.status, 403);
    isError(stranger.body, 403);
    assert.equal((await history(server, 'no-such-room', tokenFor('hi-a'))).status, 404);
    assert.equal((await history(server, room, tokenFor('hi-a'), '?limit=0')).status, 400);
    a.close();
  });
});

test('history survives a graceful restart and kill -9: nothing acknowledged is lost', async () => {
  await withChat(async (first) => {
    const room = chatRoomId('durable');
    let server = first;
    const acked = [];
    for (const how of ['stop', 'kill9']) {
      const a = await connectUser(server, 'du-a');
      await ask(a, 'joinRoom', { roomId: room });
      const had = acked.length;
      // Many in flight at once; every ack is a promise kept by the disk.
      const sends = Array.from({ length: 60 }, (_, i) => ask(a, 'sendMessage', { roomId: room, content: `${how} ${i}` })
        .then((r) => { if (r.success) acked.push(r.message); }, () => {}));
      if (how === 'stop') {
        await Promise.all(sends);
        await server.stop();
      } else {
        while (acked.length < had + 10)
          await sleep(1);
        await server.kill9(); // mid-stream: later sends are lost, acknowledged ones must not be
      }
      a.close();
      server = await first.restart();
      const newestFirst = [];
      for (let page = 1; ; ++page) {
        const h = await history(server, room, tokenFor('du-a'), `?limit=100&page=${page}`);
        assert.equal(h.status, 200, `after ${how}: membership survived`);
        newestFirst.push(...h.body.data.messages);
        if (!h.body.data.pagination.hasMore)
          break;
      }
      const contents = newestFirst.map((m) => m.content).reverse();
      assert.deepEqual(contents.slice(0, acked.length), acked.map((m) => m.content),
        `after ${how}: every acknowledged message is kept, in order`);
    }
    // The sequence continues after the restarts.
    const a = await connectUser(server, 'du-a');
    await ask(a, 'joinRoom', { roomId: room });
    const later = await ask(a, 'sendMessage', { roomId: room, content: 'after' });
    assert.ok(!acked.some((m) => m.id === later.message.id));
    a.close();
  }, { settings: { 'chatrooms.rate_messages_production': 100000 } });
});
