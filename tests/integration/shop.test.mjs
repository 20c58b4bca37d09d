// The shop dialect (protocols/shop.md) end to end: the real binary, npm `ws`
// clients on ws://HOST/ and real fetch for the admin REST routes.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { withServer } from './lib/server.mjs';
import { SECRET, sign, adminToken, shopClient, api } from './lib/shop_client.mjs';

const fast = {
  'shop.chat_per_second': 1000, 'shop.chat_burst': 1000,
  'shop.likes_per_second': 1000, 'shop.likes_burst': 1000,
  'shop.support_per_second': 1000, 'shop.support_burst': 1000,
};
const base = { config: 'integration.toml', args: ['--jwt-secret', SECRET], settings: fast };
const start = (server, body = { title: 'Product Launch', description: 'New serum', streamUrl: 'http://x/live', quality: '1080p' }) =>
  api(server, 'POST', '/api/stream/start', { token: adminToken(), body });

test('a whole live session: REST start, state on register, likes that dedupe, chat with a spoofed isAdmin, pinned products', async () => {
  await withServer(base, async (server) => {
    const before = await api(server, 'GET', '/api/stream');
    assert.equal(before.status, 200);
    assert.equal(before.json.isActive, false);

    const admin = await shopClient(server, 'admin');
    const reg = await admin.registerAdmin(adminToken('admin-7', 'Grace'));
    assert.deepEqual(reg, { type: 'admin_registered', userId: 'admin-7', status: 'connected' });
    const early = await shopClient(server, 'early', '/shop');
    await early.register('sess-early');

    const started = await start(server);
    assert.equal(started.status, 200, started.text);
    assert.equal(started.json.isActive, true);
    assert.match(started.json.streamId, /^[0-9a-f]{24}$/);
    const live = await early.next('stream_started', { since: 0 });
    assert.equal(live.streamData.title, 'Product Launch');
    assert.equal(live.streamData.quality, '1080p');
    await admin.next('stream_started', { since: 0 });
    assert.equal((await start(server)).status, 409, 'one live stream at a time');

    // A newcomer gets the live state and the chat history right away.
    const alice = await shopClient(server, 'alice');
    const r = await alice.register('sess-alice', sign({ sub: 'user-alice', name: 'Alice' }));
    assert.deepEqual(r, { type: 'registered', sessionId: 'sess-alice', status: 'connected' });
    const state = await alice.next('stream_started', { since: 0 });
    assert.equal(state.streamData.streamId, started.json.streamId);
    assert.equal(state.streamData.viewerCount, 2);
    assert.deepEqual((await alice.next('chat_history', { since: 0 })).messages, []);
    assert.equal((await early.next('stream_update', { where: (m) => m.viewerCount === 2, since: 0 })).viewerCount, 2);

    // Likes: deduplicated by the connection's identity, whatever the payload says.
    alice.send({ type: 'toggle_like', userId: 'someone-else', sessionId: 'sess-early' });
    let u = await early.next('stream_update', { where: (m) => m.likes === 1 });
    assert.deepEqual(u.likedBy, ['user-alice']);
    early.send({ type: 'toggle_like', userId: 'user-alice' });
    u = await alice.next('stream_update', { where: (m) => m.likes === 2 });
    assert.deepEqual(u.likedBy, ['user-alice', 'sess-early']);
    // Alice again, on a second connection with the same token: her like goes.
    const alice2 = await shopClient(server, 'alice2');
    await alice2.register('sess-alice-2', sign({ sub: 'user-alice', name: 'Alice' }));
    alice2.send({ type: 'toggle_like' });
    u = await early.next('stream_update', { where: (m) => m.likes === 1 });
    assert.deepEqual(u.likedBy, ['sess-early']);
    await alice2.close();

    // Chat: isAdmin and the admin's name from the connection, text escaped.
    alice.send({ type: 'chat_message', username: 'Admin', isAdmin: true, message: '<img src=x onerror=alert(1)>',
      timestamp: '1999-01-01T00:00:00.000Z' });
    let c = await early.next('chat_message');
    assert.equal(c.isAdmin, false);
    assert.equal(c.username, 'Alice', 'a verified customer chats under its token name');
    assert.equal(c.message, '&lt;img src=x onerror=alert(1)&gt;');
    assert.notEqual(c.timestamp, '1999-01-01T00:00:00.000Z');
    early.send({ type: 'chat_message', username: 'Bob', isAdmin: true, message: 'hello' });
    c = await alice.next('chat_message', { where: (m) => m.message === 'hello' });
    assert.deepEqual([c.username, c.isAdmin], ['Bob', false]);
    admin.send({ type: 'chat_message', username: 'Mallory', message: 'Welcome everyone!' });
    c = await alice.next('chat_message', { where: (m) => m.message === 'Welcome everyone!' });
    assert.deepEqual([c.username, c.isAdmin, c.message], ['Grace', true, 'Welcome everyone!']);
    const late = await shopClient(server, 'late');
    await late.register('sess-late');
    const history = await late.next('chat_history', { since: 0 });
    assert.deepEqual(history.messages.map((m) => m.username), ['Alice', 'Bob', 'Grace']);
    assert.deepEqual(Object.keys(history.messages[0]).sort(), ['isAdmin', 'message', 'timestamp', 'username']);

    // Pinned products over REST and over WebSocket.
    const products = [{ productId: '507f1f77bcf86cd799439012', name: 'Hydrating Serum', price: 49.99,
      image: '/uploads/products/serum.jpg', displayOrder: 1 }];
    const pin = await api(server, 'PUT', '/api/stream/pinned-products', { token: adminToken(), body: products });
    assert.equal(pin.status, 200, pin.text);
    assert.deepEqual((await alice.next('pinned_products_updated', { since: 0 })).pinnedProducts, products);
    admin.send({ type: 'pin_products', pinnedProducts: [] });
    assert.deepEqual((await late.next('pinned_products_updated', { where: (m) => m.pinnedProducts.length === 0 })).pinnedProducts, []);
    assert.equal((await api(server, 'PUT', '/api/stream/pinned-products', { token: adminToken(), body: [{ name: 1 }] })).status, 400);

    const now = await api(server, 'GET', '/api/stream');
    assert.equal(now.json.viewerCount, 3);
    assert.equal(now.json.likes, 1);

    // A viewer leaving is counted at once.
    const mark = alice.messages.length;
    await late.close();
    await alice.next('stream_update', { where: (m) => m.viewerCount === 2, since: mark });

    // Stop: broadcast and reset.
    admin.send({ type: 'stream_stop' });
    assert.equal((await alice.next('stream_stopped')).streamId, started.json.streamId);
    const after = await api(server, 'GET', '/api/stream');
    assert.deepEqual([after.json.isActive, after.json.likes, after.json.viewerCount], [false, 0, 0]);
    alice.send({ type: 'toggle_like' });
    assert.equal((await alice.next('error')).message, 'No active stream');
    assert.equal((await api(server, 'POST', '/api/stream/stop', { token: adminToken() })).status, 409);
    for (const x of [admin, early, alice])
      await x.close();
  });
});

test('admin actions need an admin token: the contract\'s messages on WebSocket, 401/403 JSON over REST', async () => {
  await withServer(base, async (server) => {
    const noToken = await api(server, 'POST', '/api/stream/start', { body: {} });
    assert.deepEqual([noToken.status, noToken.json], [401, { error: 'No token, authorization denied' }]);
    const bad = await api(server, 'POST', '/api/stream/start', { token: sign({ sub: 'x', role: 'admin' }, 'wrong-key'), body: {} });
    assert.deepEqual([bad.status, bad.json], [401, { error: 'Authentication failed' }]);
    const customer = await api(server, 'POST', '/api/stream/start', { token: sign({ sub: 'c1', role: 'customer' }), body: {} });
    assert.equal(customer.status, 403);
    assert.equal(typeof customer.json.error, 'string');
    assert.equal((await api(server, 'GET', '/api/support/conversations')).status, 401);

    const ws = await shopClient(server, 'ws');
    ws.send({ type: 'register_admin', userId: 'admin-1' });
    assert.equal((await ws.next('error')).message, 'Token required');
    ws.send({ type: 'register_admin', userId: 'admin-1', token: sign({ sub: 'c1', role: 'customer' }) });
    assert.equal((await ws.next('error')).message, 'Authentication failed');
    ws.send({ type: 'register_admin', token: 'not.a.jwt' });
    assert.equal((await ws.next('error')).message, 'Authentication failed');
    ws.send({ type: 'stream_start', title: 'x' });
    assert.match((await ws.next('error')).message, /register/);
    await ws.register('sess-1');
    ws.send({ type: 'stream_start', title: 'x' });
    assert.equal((await ws.next('error')).message, 'Admin access required');
    ws.send({ type: 'staff_message', sessionId: 'sess-1', content: 'hi' });
    assert.equal((await ws.next('error')).message, 'Admin access required');
    ws.send({ type: 'webrtc_register', peerId: 'p1', userType: 'admin' });
    assert.equal((await ws.next('webrtc_registered')).userType, 'customer');
    ws.send({ type: 'webrtc_broadcast_start', peerId: 'p1' });
    assert.equal((await ws.next('error')).message, 'Admin access required');
    await ws.close();
  });
});

test('bad input gets an error and the connection keeps working; a plain GET of / is not an upgrade', async () => {
  await withServer(base, async (server) => {
    const ws = await shopClient(server, 'ws');
    ws.send('{not json');
    assert.equal((await ws.next('error')).message, 'Invalid message format');
    ws.send('[1,2]');
    assert.equal((await ws.next('error')).message, 'Invalid message format');
    ws.send({ type: 'teleport' });
    assert.match((await ws.next('error')).message, /Unknown message type/);
    ws.send({ type: 'register' });
    assert.match((await ws.next('error')).message, /sessionId/);
    ws.send({ type: 'ping' });
    await ws.next('pong');
    await ws.register('s-1');
    ws.send({ type: 'register', sessionId: 's-2' });
    assert.match((await ws.next('error')).message, /already registered/);
    ws.send({ type: 'chat_message', message: '' });
    assert.match((await ws.next('error')).message, /message/);
    ws.send({ type: 'chat_message', message: 'x'.repeat(501) });
    assert.match((await ws.next('error')).message, /message/);
    ws.send({ type: 'webrtc_offer', to: 'nobody', offer: { type: 'offer', sdp: 'x' } });
    assert.equal((await ws.next('error')).message, 'Send webrtc_register first');
    ws.send({ type: 'ping' });
    await ws.next('pong');
    const plain = await fetch(`${server.httpUrl}/`);
    assert.equal(plain.status, 200, 'a plain GET of / is the HTTP side\'s (the landing page): not 426');
    await plain.text();
    assert.equal((await fetch(`${server.httpUrl}/shop`)).status, 426, '/shop is only a WebSocket endpoint');
    await ws.close();
  });
});

test('per-connection rate limits for chat, likes and support messages', async () => {
  await withServer({ ...base, settings: { 'shop.chat_per_second': 1, 'shop.chat_burst': 2, 'shop.likes_per_second': 1,
    'shop.likes_burst': 1, 'shop.support_per_second': 1, 'shop.support_burst': 1 } }, async (server) => {
    await start(server);
    const ws = await shopClient(server, 'ws');
    await ws.register('s-rate');
    for (let i = 0; i < 4; ++i)
      ws.send({ type: 'chat_message', message: `m${i}` });
    assert.equal((await ws.next('error')).message, 'Too many messages; slow down');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(ws.all('chat_message').length, 2);
    await new Promise((r) => setTimeout(r, 1000)); // one rate error a second at most
    ws.send({ type: 'toggle_like' });
    ws.send({ type: 'toggle_like' });
    assert.equal((await ws.next('error')).message, 'Too many messages; slow down');
    await ws.next('stream_update', { since: 0, where: (m) => m.likes === 1 });
    await new Promise((r) => setTimeout(r, 1000));
    const desk = await shopClient(server, 'desk');
    await desk.registerAdmin();
    ws.send({ type: 'customer_message', message: 'one' });
    ws.send({ type: 'customer_message', message: 'two' });
    assert.equal((await ws.next('error')).message, 'Too many messages; slow down');
    await desk.next('customer_message', { since: 0 });
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(desk.all('customer_message').map((m) => m.message), ['one']);
    const updates = ws.all('stream_update');
    const liked = updates.findIndex((m) => m.likes === 1);
    assert.deepEqual(updates.slice(liked).map((m) => m.likes), [1], 'the second like was dropped');
    ws.send({ type: 'ping' });
    await ws.next('pong');
    await desk.close();
    await ws.close();
  });
});

test('support desk: customer messages reach every admin, staff replies reach the customer or wait for its next register', async () => {
  await withServer(base, async (server) => {
    const desk1 = await shopClient(server, 'desk1');
    await desk1.registerAdmin(adminToken('admin-1', 'Ann'));
    const desk2 = await shopClient(server, 'desk2');
    await desk2.registerAdmin(adminToken('admin-2', 'Ben'));
    const cust = await shopClient(server, 'cust');
    await cust.register('sess-uuid-12345');
    const tab2 = await shopClient(server, 'tab2');
    await tab2.register('sess-uuid-12345'); // the same customer in a second tab

    cust.send({ type: 'customer_message', message: 'I need help with my order', customerName: '<Carol>' });
    for (const d of [desk1, desk2]) {
      const m = await d.next('customer_message', { since: 0 });
      assert.equal(m.sessionId, 'sess-uuid-12345');
      assert.equal(m.message, 'I need help with my order');
      assert.equal(m.customerName, '&lt;Carol&gt;');
      assert.match(m.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    desk1.send({ type: 'staff_message', sessionId: 'sess-uuid-12345', content: "I'll help you with that right away!" });
    // shop.escape_html (default true) escapes ' too, like every user text.
    for (const t of [cust, tab2])
      assert.equal((await t.next('staff_reply', { since: 0 })).message, 'I&#x27;ll help you with that right away!');
    desk1.send({ type: 'staff_message', sessionId: 'never-seen', content: 'hello?' });
    assert.equal((await desk1.next('error')).message, 'No such customer session');

    // Offline: the reply waits, in order, for the customer's next register.
    await cust.close();
    await tab2.close();
    await new Promise((r) => setTimeout(r, 100));
    desk2.send({ type: 'staff_message', sessionId: 'sess-uuid-12345', content: 'Your order shipped' });
    desk2.send({ type: 'staff_message', sessionId: 'sess-uuid-12345', content: 'Tracking: 42' });
    await new Promise((r) => setTimeout(r, 200));
    const back = await shopClient(server, 'back');
    await back.register('sess-uuid-12345');
    await back.next('staff_reply', { since: 0, where: (m) => m.message === 'Tracking: 42' });
    assert.deepEqual(back.all('staff_reply').map((m) => m.message), ['Your order shipped', 'Tracking: 42']);
    const again = await shopClient(server, 'again');
    await again.register('sess-uuid-12345');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(again.all('staff_reply').length, 0, 'delivered once');

    // REST: the conversation list and its pages.
    back.send({ type: 'customer_message', message: 'Thanks!' });
    await desk1.next('customer_message', { where: (m) => m.message === 'Thanks!' });
    const list = await api(server, 'GET', '/api/support/conversations', { token: adminToken() });
    assert.equal(list.status, 200, list.text);
    assert.equal(list.json.conversations.length, 1);
    const conv = list.json.conversations[0];
    assert.equal(conv.sessionId, 'sess-uuid-12345');
    assert.equal(conv.lastMessage.message, 'Thanks!');
    assert.equal(conv.unreadCount, 1);
    const page1 = await api(server, 'GET', '/api/support/conversations/sess-uuid-12345/messages?page=1&limit=2', { token: adminToken() });
    assert.equal(page1.status, 200, page1.text);
    assert.equal(page1.json.total, 5);
    assert.deepEqual(page1.json.messages.map((m) => [m.sender, m.message]),
      [['customer', 'I need help with my order'], ['staff', 'I&#x27;ll help you with that right away!']]);
    const page3 = await api(server, 'GET', '/api/support/conversations/sess-uuid-12345/messages?page=3&limit=2', { token: adminToken() });
    assert.deepEqual(page3.json.messages.map((m) => m.message), ['Thanks!']);
    const read = await api(server, 'GET', '/api/support/conversations', { token: adminToken() });
    assert.equal(read.json.conversations[0].unreadCount, 0, 'reading the thread marks it read');
    assert.equal((await api(server, 'GET', '/api/support/conversations/nobody/messages', { token: adminToken() })).status, 404);
    for (const x of [desk1, desk2, back, again])
      await x.close();
  });
});

test('broadcast signaling between an admin and two customers', async () => {
  await withServer(base, async (server) => {
    const admin = await shopClient(server, 'admin');
    await admin.registerAdmin();
    const c1 = await shopClient(server, 'c1');
    await c1.register('sess-c1');
    admin.send({ type: 'webrtc_register', peerId: 'peer-admin-123', userType: 'admin' });
    assert.deepEqual(await admin.next('webrtc_registered'), { type: 'webrtc_registered', peerId: 'peer-admin-123', userType: 'admin' });
    c1.send({ type: 'webrtc_register', peerId: 'peer-customer-1', userType: 'customer' });
    await c1.next('webrtc_registered');
    admin.send({ type: 'webrtc_broadcast_start', peerId: 'peer-admin-123' });
    assert.equal((await c1.next('webrtc_broadcaster_available', { since: 0 })).broadcaster, 'peer-admin-123');
    assert.equal((await admin.next('webrtc_new_customer', { since: 0 })).customerId, 'peer-customer-1');

    const c2 = await shopClient(server, 'c2');
    await c2.register('sess-c2');
    c2.send({ type: 'webrtc_register', peerId: 'peer-customer-2', userType: 'admin' });
    assert.equal((await c2.next('webrtc_registered', { since: 0 })).userType, 'customer');
    assert.equal((await admin.next('webrtc_new_customer', { since: 0, where: (m) => m.customerId === 'peer-customer-2' })).customerId, 'peer-customer-2');
    await c2.next('webrtc_broadcaster_available', { since: 0 });

    for (const [c, peer] of [[c1, 'peer-customer-1'], [c2, 'peer-customer-2']]) {
      admin.send({ type: 'webrtc_offer', from: 'spoofed', to: peer, offer: { type: 'offer', sdp: `sdp-for-${peer}` } });
      const offer = await c.next('webrtc_offer');
      assert.deepEqual(offer, { type: 'webrtc_offer', from: 'peer-admin-123', to: peer, offer: { type: 'offer', sdp: `sdp-for-${peer}` } });
      c.send({ type: 'webrtc_answer', from: 'peer-admin-123', to: 'peer-admin-123', answer: { type: 'answer', sdp: `answer-${peer}` } });
      const answer = await admin.next('webrtc_answer');
      assert.equal(answer.from, peer);
      c.send({ type: 'webrtc_ice_candidate', to: 'peer-admin-123', candidate: { candidate: 'c', sdpMLineIndex: 0, sdpMid: '0' } });
      assert.equal((await admin.next('webrtc_ice_candidate')).from, peer);
    }
    assert.equal(c1.all('webrtc_offer').length, 1, 'an offer reaches only its target');
    c1.send({ type: 'webrtc_offer', to: 'peer-nobody', offer: {} });
    assert.match((await c1.next('error')).message, /No such peer/);

    const marks = [c1.messages.length, c2.messages.length];
    admin.send({ type: 'webrtc_broadcast_stop', peerId: 'peer-admin-123' });
    for (const [i, c] of [c1, c2].entries())
      assert.equal((await c.next('webrtc_broadcast_stopped', { since: marks[i] })).broadcaster, 'peer-admin-123');
    for (const x of [admin, c1, c2])
      await x.close();
  });
});

test('a restart and a kill -9 keep the stream live with its likes, pinned products and chat', async () => {
  await withServer(base, async (first) => {
    const started = await start(first);
    const products = [{ productId: 'p1', name: 'Serum', price: 10, image: '', displayOrder: 1 }];
    await api(first, 'PUT', '/api/stream/pinned-products', { token: adminToken(), body: products });
    const a = await shopClient(first, 'a');
    await a.register('sess-a');
    a.send({ type: 'toggle_like' });
    await a.next('stream_update', { where: (m) => m.likes === 1 });
    a.send({ type: 'chat_message', username: 'Ann', message: 'before restart' });
    await a.next('chat_message');
    await first.stop();

    const second = await first.restart();
    const b = await shopClient(second, 'b');
    await b.register('sess-b');
    let s = await b.next('stream_started', { since: 0 });
    assert.equal(s.streamData.streamId, started.json.streamId);
    assert.deepEqual(s.streamData.likedBy, ['sess-a']);
    assert.deepEqual((await b.next('chat_history', { since: 0 })).messages.map((m) => m.message), ['before restart']);
    assert.deepEqual((await b.next('pinned_products_updated', { since: 0 })).pinnedProducts, products);

    // Every broadcast the clients saw is on disk when kill -9 comes.
    b.send({ type: 'toggle_like' });
    await b.next('stream_update', { where: (m) => m.likes === 2 });
    for (let i = 0; i < 20; ++i)
      b.send({ type: 'chat_message', username: 'Bo', message: `burst ${i}` });
    await b.next('chat_message', { where: (m) => m.message === 'burst 19', timeout: 8000 });
    await second.kill9();

    const third = await first.restart();
    const c = await shopClient(third, 'c');
    await c.register('sess-c');
    s = await c.next('stream_started', { since: 0 });
    assert.equal(s.streamData.streamId, started.json.streamId);
    assert.deepEqual(s.streamData.likedBy, ['sess-a', 'sess-b']);
    assert.equal(s.streamData.viewerCount, 1);
    const msgs = (await c.next('chat_history', { since: 0 })).messages.map((m) => m.message);
    assert.equal(msgs.at(-1), 'burst 19');
    assert.equal(msgs.length, 21);
    const rest = await api(third, 'GET', '/api/stream');
    assert.equal(rest.json.isActive, true);
    await c.close();
  });
});

test('the WebSocket heartbeat drops a customer that stopped answering pings, and viewerCount follows', async () => {
  await withServer({ ...base, settings: { ...fast, 'server.heartbeat_interval_ms': 200, 'server.heartbeat_timeout_ms': 600 } },
    async (server) => {
      await start(server);
      const alive = await shopClient(server, 'alive');
      await alive.register('sess-alive');
      const silent = await shopClient(server, 'silent', '/', { autoPong: false });
      await silent.register('sess-silent');
      await alive.next('stream_update', { since: 0, where: (m) => m.viewerCount === 2 });
      const dropped = await alive.next('stream_update', { where: (m) => m.viewerCount === 1, timeout: 3000 });
      assert.equal(dropped.viewerCount, 1);
      await silent.closed;
      // The live one kept answering and is still served.
      alive.send({ type: 'ping' });
      await alive.next('pong');
      assert.equal((await api(server, 'GET', '/api/stream')).json.viewerCount, 1);
      await alive.close();
    });
});
