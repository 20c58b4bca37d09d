// The signaling dialect (protocols/signaling.md) against the real binary:
// REST rooms, join/leave, the offer/answer/ICE relay, media state, limits,
// errors, persistence across restarts and kill -9, auth, TURN REST
// credentials and the heartbeat.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';

import { withServer } from './lib/server.mjs';
import { api, connectSignaling } from './lib/signaling_client.mjs';
import { RawWebSocket, encodeFrame, OP } from './lib/raw.mjs';

const base = { config: 'integration.toml' };
const secret = 'signaling-test-secret';

/// An HS256 JWT signed with node:crypto, as a client's auth service would.
function sign(claims, key = secret) {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc(claims)}`;
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`;
}
const soon = () => Math.floor(Date.now() / 1000) + 600;

async function createRoom(server, body = {}) {
  const res = await api(server, 'POST', '/api/rooms', { body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

async function closeAll(clients) {
  for (const c of clients)
    await c.close();
}

test('a REST room, three peers, a full offer/answer/ICE exchange, media state and a spoofed sender', async () => {
  await withServer(base, async (server) => {
    const room = await createRoom(server, { hostPeerId: 'alice', maxParticipants: 5, encryption: 'e2ee' });
    assert.match(room.roomId, /^[a-z0-9]{12}$/);
    assert.equal(room.joinLink, `http://localhost:3000/meeting/${room.roomId}`);
    assert.equal(room.hostPeerId, 'alice');
    assert.equal(room.maxParticipants, 5);
    assert.equal(room.encryption, 'e2ee');
    assert.ok(!Number.isNaN(Date.parse(room.createdAt)) && room.createdAt.endsWith('Z'));

    const a = await connectSignaling(server, 'alice');
    const joinedA = await a.join(room.roomId, 'alice', { displayName: 'Alice <A>' });
    assert.equal(joinedA.roomId, room.roomId);
    assert.equal(joinedA.peerId, 'alice');
    assert.deepEqual(joinedA.peers, []);
    assert.deepEqual(joinedA.iceServers, [{ urls: ['stun:stun.l.google.com:19302'] }]);
    assert.equal(typeof joinedA.timestamp, 'number');

    const b = await connectSignaling(server, 'bob');
    const joinedB = await b.join(room.roomId, 'bob', { mediaState: { audio: false, video: true, screen: false } });
    assert.deepEqual(joinedB.peers, [{ peerId: 'alice', displayName: 'Alice &lt;A&gt;',
      mediaState: { audio: true, video: true, screen: false } }]);
    const pj = await a.next('peer-joined');
    assert.equal(pj.peerId, 'bob');
    assert.deepEqual(pj.mediaState, { audio: false, video: true, screen: false });

    const c = await connectSignaling(server, 'carol');
    const joinedC = await c.join(room.roomId, 'carol');
    assert.deepEqual(joinedC.peers.map((p) => p.peerId), ['alice', 'bob']);
    await a.next('peer-joined', { where: (m) => m.peerId === 'carol' });
    await b.next('peer-joined', { where: (m) => m.peerId === 'carol' });

    // alice -> bob offer, bob -> alice answer, candidates both ways.
    const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
    a.send({ type: 'offer', roomId: room.roomId, fromPeerId: 'alice', toPeerId: 'bob', offer });
    const gotOffer = await b.next('offer');
    assert.equal(gotOffer.fromPeerId, 'alice');
    assert.equal(gotOffer.toPeerId, 'bob');
    assert.deepEqual(gotOffer.offer, offer);
    const answer = { type: 'answer', sdp: 'v=0\r\nanswer\r\n' };
    b.send({ type: 'answer', roomId: room.roomId, fromPeerId: 'bob', toPeerId: 'alice', answer });
    assert.deepEqual((await a.next('answer')).answer, answer);
    const cand = { candidate: 'candidate:1 1 udp 2122260223 10.0.0.1 54321 typ host', sdpMLineIndex: 0, sdpMid: '0' };
    a.send({ type: 'ice-candidate', roomId: room.roomId, fromPeerId: 'alice', toPeerId: 'bob', candidate: cand });
    b.send({ type: 'ice-candidate', roomId: room.roomId, fromPeerId: 'bob', toPeerId: 'alice', candidate: cand });
    assert.deepEqual((await b.next('ice-candidate')).candidate, cand);
    assert.equal((await a.next('ice-candidate')).fromPeerId, 'bob');

    // A spoofed fromPeerId is overwritten with the connection's identity.
    c.send({ type: 'offer', roomId: room.roomId, fromPeerId: 'alice', toPeerId: 'bob', offer });
    assert.equal((await b.next('offer')).fromPeerId, 'carol');
    // Relays went to the target only.
    assert.equal(c.all('offer').length + c.all('answer').length, 0);
    assert.equal(a.all('offer').length, 0);

    // Media state: broadcast to the others, and stored.
    b.send({ type: 'media-state-changed', roomId: room.roomId, peerId: 'alice', mediaState: { audio: true, video: false, screen: true } });
    for (const x of [a, c]) {
      const m = await x.next('media-state-changed');
      assert.equal(m.peerId, 'bob');
      assert.deepEqual(m.mediaState, { audio: true, video: false, screen: true });
    }
    const info = await api(server, 'GET', `/api/rooms/${room.roomId}`);
    assert.equal(info.status, 200);
    assert.equal(info.body.participantCount, 3);
    assert.equal(info.body.connectionMode, 'p2p');
    assert.deepEqual(info.body.meetingInfo, { hostPeerId: 'alice', maxParticipants: 5, encryption: 'e2ee', createdAt: room.createdAt });
    assert.deepEqual(info.body.peers.find((p) => p.peerId === 'bob').mediaState, { audio: true, video: false, screen: true });

    // Unknown target: PEER_NOT_FOUND; leave: peer-left for the others.
    a.send({ type: 'offer', roomId: room.roomId, toPeerId: 'nobody', offer });
    assert.equal((await a.next('error')).code, 'PEER_NOT_FOUND');
    c.send({ type: 'leave-room', roomId: room.roomId, peerId: 'carol' });
    assert.equal((await a.next('peer-left')).peerId, 'carol');
    assert.equal((await b.next('peer-left')).peerId, 'carol');
    c.send({ type: 'offer', roomId: room.roomId, toPeerId: 'bob', offer });
    assert.equal((await c.next('error')).code, 'NOT_IN_ROOM');
    await closeAll([a, b, c]);
  });
});

test('a full room answers ROOM_FULL and a present peerId answers DUPLICATE_PEER; the first one keeps working', async () => {
  await withServer(base, async (server) => {
    const room = await createRoom(server, { maxParticipants: 2 });
    const a = await connectSignaling(server, 'a');
    const b = await connectSignaling(server, 'b');
    const c = await connectSignaling(server, 'c');
    await a.join(room.roomId, 'p1');
    await assert.rejects(b.join(room.roomId, 'p1'), (e) => e.code === 'DUPLICATE_PEER');
    await b.join(room.roomId, 'p2');
    await assert.rejects(c.join(room.roomId, 'p3'), (e) => e.code === 'ROOM_FULL');
    b.send({ type: 'offer', toPeerId: 'p1', offer: { type: 'offer', sdp: 'x' } });
    assert.equal((await a.next('offer')).fromPeerId, 'p2');
    // The refused connection keeps working: it joins once there is room.
    await b.close();
    await a.next('peer-left');
    await c.join(room.roomId, 'p3');
    await closeAll([a, c]);
  });
});

test('more participants than the sfu threshold switch the room to sfu, announced', async () => {
  await withServer({ ...base, settings: { 'signaling.sfu_threshold': 2 } }, async (server) => {
    const room = await createRoom(server);
    const peers = [];
    for (const id of ['a', 'b', 'c']) {
      const x = await connectSignaling(server, id);
      await x.join(room.roomId, id);
      peers.push(x);
    }
    for (const x of peers)
      assert.equal((await x.next('connection-mode-changed')).mode, 'sfu');
    assert.equal((await api(server, 'GET', `/api/rooms/${room.roomId}`)).body.connectionMode, 'sfu');
    await peers[2].close();
    assert.equal((await peers[0].next('connection-mode-changed')).mode, 'p2p');
    await closeAll(peers);
  });
});

test('DELETE tells every peer room-closed, closes them with 4000, and the room is gone', async () => {
  await withServer(base, async (server) => {
    const room = await createRoom(server);
    const a = await connectSignaling(server, 'a');
    const b = await connectSignaling(server, 'b');
    await a.join(room.roomId, 'a');
    await b.join(room.roomId, 'b');
    const del = await api(server, 'DELETE', `/api/rooms/${room.roomId}`);
    assert.equal(del.status, 204);
    for (const x of [a, b]) {
      assert.equal((await x.next('room-closed')).roomId, room.roomId);
      assert.equal((await x.waitClose()).code, 4000);
    }
    assert.equal((await api(server, 'GET', `/api/rooms/${room.roomId}`)).status, 404);
    assert.equal((await api(server, 'DELETE', `/api/rooms/${room.roomId}`)).status, 404);
    // Gone from disk as well.
    await server.stop();
    const again = await server.restart();
    assert.equal((await api(again, 'GET', `/api/rooms/${room.roomId}`)).status, 404);
  });
});

test('a room and its settings survive a restart and kill -9', async () => {
  await withServer(base, async (first) => {
    const room = await createRoom(first, { hostPeerId: 'h', maxParticipants: 3, encryption: 'e2ee' });
    const a = await connectSignaling(first, 'a');
    await a.join(room.roomId, 'a');
    await first.stop(); // SIGTERM: the peer is told 1001
    assert.equal((await a.waitClose()).code, 1001);
    const second = await first.restart();
    const info = await api(second, 'GET', `/api/rooms/${room.roomId}`);
    assert.equal(info.status, 200);
    assert.deepEqual(info.body.meetingInfo, { hostPeerId: 'h', maxParticipants: 3, encryption: 'e2ee', createdAt: room.createdAt });
    assert.equal(info.body.participantCount, 0, 'membership is not persisted');

    // kill -9 right after the 201: the settings were committed before it.
    const room2 = await createRoom(second, { maxParticipants: 4 });
    const auto = await connectSignaling(second, 'auto');
    await auto.join('auto-created', 'x'); // auto_create_rooms: stored on its first join
    await second.kill9();
    const third = await first.restart();
    assert.equal((await api(third, 'GET', `/api/rooms/${room2.roomId}`)).body.meetingInfo.maxParticipants, 4);
    assert.equal((await api(third, 'GET', '/api/rooms/auto-created')).body.meetingInfo.hostPeerId, 'x');
    assert.equal((await api(third, 'GET', `/api/rooms/${room.roomId}`)).status, 200);
    // A resumed room keeps its limit.
    const peers = [];
    for (const id of ['p1', 'p2', 'p3']) {
      const x = await connectSignaling(third, id);
      await x.join(room.roomId, id);
      peers.push(x);
    }
    const extra = await connectSignaling(third, 'p4');
    await assert.rejects(extra.join(room.roomId, 'p4'), (e) => e.code === 'ROOM_FULL');
    await closeAll([...peers, extra]);
  });
});

test('GET of an unknown room is 404 and creates nothing; auto_create_rooms=false answers ROOM_NOT_FOUND', async () => {
  await withServer({ ...base, settings: { 'signaling.auto_create_rooms': false } }, async (server) => {
    assert.equal((await api(server, 'GET', '/api/rooms/no-such-room')).status, 404);
    assert.equal((await api(server, 'GET', '/api/rooms/no-such-room')).status, 404);
    assert.equal((await api(server, 'GET', '/api/rooms')).body.totalRooms, 0);
    const a = await connectSignaling(server, 'a');
    await assert.rejects(a.join('no-such-room', 'a'), (e) => e.code === 'ROOM_NOT_FOUND');
    assert.equal((await api(server, 'GET', '/api/rooms/no-such-room')).status, 404);
    const room = await createRoom(server);
    await a.join(room.roomId, 'a'); // the same connection, still working
    await a.close();
  });
});

test('listing rooms: open without a secret, admin JWT required with one', async () => {
  await withServer(base, async (server) => {
    const room = await createRoom(server);
    const a = await connectSignaling(server, 'a');
    await a.join(room.roomId, 'a');
    const list = await api(server, 'GET', '/api/rooms');
    assert.equal(list.status, 200);
    assert.equal(list.body.totalRooms, 1);
    assert.equal(list.body.totalPeers, 1);
    assert.equal(list.body.rooms[0].roomId, room.roomId);
    assert.equal(typeof list.body.serverStats.uptimeSeconds, 'number');
    await a.close();
  });
  await withServer({ ...base, args: ['--jwt-secret', secret] }, async (server) => {
    await createRoom(server);
    assert.equal((await api(server, 'GET', '/api/rooms')).status, 401);
    const user = sign({ sub: 'u', role: 'user', exp: soon() });
    assert.equal((await api(server, 'GET', '/api/rooms', { headers: { authorization: `Bearer ${user}` } })).status, 403);
    const forged = sign({ sub: 'u', role: 'admin', exp: soon() }, 'wrong');
    assert.equal((await api(server, 'GET', '/api/rooms', { headers: { authorization: `Bearer ${forged}` } })).status, 401);
    const admin = sign({ sub: 'root', role: 'admin', exp: soon() });
    const ok = await api(server, 'GET', '/api/rooms', { headers: { authorization: `Bearer ${admin}` } });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.totalRooms, 1);
    // CORS on REST routes.
    const res = await fetch(`${server.httpUrl}/api/rooms`, { method: 'OPTIONS',
      headers: { origin: 'http://app.example', 'access-control-request-method': 'POST' } });
    assert.ok(res.status < 300);
    assert.ok(res.headers.get('access-control-allow-origin'));
  });
});

test('TURN REST credentials verify with HMAC-SHA1 of the shared secret', async () => {
  const turnSecret = 'coturn-shared-secret';
  const settings = { 'signaling.turn_url': 'turn:turn.example.com:3478', 'signaling.turn_secret': turnSecret,
    'signaling.turn_ttl_seconds': 3600 };
  await withServer({ ...base, settings, env: { STUN_URLS: 'stun:s1.example:3478,stun:s2.example:3478' } }, async (server) => {
    const a = await connectSignaling(server, 'a');
    const before = Math.floor(Date.now() / 1000);
    const joined = await a.join('turn-room', 'peer-a');
    const [stun, turn] = joined.iceServers;
    assert.deepEqual(stun, { urls: ['stun:s1.example:3478', 'stun:s2.example:3478'] });
    assert.deepEqual(turn.urls, ['turn:turn.example.com:3478']);
    assert.equal(turn.credentialType, 'password');
    const [expiry, peer] = turn.username.split(':');
    assert.equal(peer, 'peer-a');
    assert.ok(Number(expiry) >= before + 3600 && Number(expiry) <= before + 3600 + 5, turn.username);
    assert.equal(turn.credential, createHmac('sha1', turnSecret).update(turn.username).digest('base64'));
    await a.close();
  });
  await withServer({ ...base, env: { TURN_URL: 'turn:t:3478', TURN_USERNAME: 'user', TURN_CREDENTIAL: 'pass' } }, async (server) => {
    const a = await connectSignaling(server, 'a');
    const joined = await a.join('static', 'p');
    assert.deepEqual(joined.iceServers[1], { urls: ['turn:t:3478'], username: 'user', credential: 'pass', credentialType: 'password' });
    await a.close();
  });
});

test('invalid JSON, unknown types and missing fields answer INVALID_MESSAGE and the connection keeps working', async () => {
  await withServer(base, async (server) => {
    const a = await connectSignaling(server, 'a');
    for (const bad of ['not json', '[1,2]', JSON.stringify({ type: 'dance' }), JSON.stringify({ roomId: 'x' }),
      JSON.stringify({ type: 'join-room', roomId: 'r' }), JSON.stringify({ type: 'offer', toPeerId: 'x' }),
      JSON.stringify({ type: 'join-room', roomId: 'bad room!', peerId: 'p' })]) {
      a.send(bad);
      const e = await a.next('error');
      assert.equal(e.code, 'INVALID_MESSAGE', bad);
      assert.equal(typeof e.error, 'string');
      assert.equal(typeof e.timestamp, 'number');
    }
    a.send({ type: 'leave-room' });
    assert.equal((await a.next('error')).code, 'NOT_IN_ROOM');
    await a.join('still-works', 'a');
    a.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    assert.equal((await a.next('error')).code, 'INVALID_MESSAGE');
    a.send({ type: 'media-state-changed', mediaState: { audio: false } });
    assert.equal(a.closeInfo, null);
    await a.close();
  });
});

test('join-room while in a room leaves the old one first', async () => {
  await withServer(base, async (server) => {
    const a = await connectSignaling(server, 'a');
    const b = await connectSignaling(server, 'b');
    await b.join('room-1', 'b');
    await a.join('room-1', 'a');
    await b.next('peer-joined');
    await a.join('room-2', 'a');
    assert.equal((await b.next('peer-left')).peerId, 'a');
    assert.equal((await api(server, 'GET', '/api/rooms/room-1')).body.participantCount, 1);
    assert.equal((await api(server, 'GET', '/api/rooms/room-2')).body.participantCount, 1);
    await closeAll([a, b]);
  });
});

test('with signaling.require_auth the upgrade needs a valid token; its name becomes the displayName', async () => {
  await withServer({ ...base, args: ['--jwt-secret', secret], settings: { 'signaling.require_auth': true } }, async (server) => {
    await assert.rejects(connectSignaling(server, 'anon'), (e) => e.statusCode === 401);
    await assert.rejects(connectSignaling(server, 'forged', `?token=${sign({ sub: 'x', exp: soon() }, 'nope')}`),
      (e) => e.statusCode === 401 && /Token refused/.test(e.body));
    const a = await connectSignaling(server, 'a', `?token=${sign({ sub: 'u1', name: 'Grace', exp: soon() })}`);
    await a.join('auth-room', 'a', { displayName: 'Mallory' });
    const b = await connectSignaling(server, 'b', `?token=${sign({ sub: 'u2', name: 'Linus', exp: soon() })}`);
    const joined = await b.join('auth-room', 'b');
    assert.equal(joined.peers[0].displayName, 'Grace');
    await closeAll([a, b]);
  });
});

test('a flood answers RATE_LIMITED at most once a second and the connection survives', async () => {
  await withServer({ ...base, settings: { 'server.rate_limit_per_second': 5, 'server.rate_limit_burst': 5 } }, async (server) => {
    const a = await connectSignaling(server, 'a');
    for (let i = 0; i < 50; ++i)
      a.send({ type: 'leave-room' });
    assert.equal((await a.next('error', { where: (m) => m.code === 'RATE_LIMITED' })).code, 'RATE_LIMITED');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(a.all('error').filter((m) => m.code === 'RATE_LIMITED').length, 1);
    await new Promise((r) => setTimeout(r, 1200));
    a.unclaimed.length = 0; // the NOT_IN_ROOM answers to what got through
    await a.join('after-flood', 'a');
    await a.close();
  });
});

test('a client that stops answering pings is dropped and the room sends peer-left', async () => {
  await withServer({ config: 'heartbeat.toml' }, async (server) => {
    const a = await connectSignaling(server, 'a');
    await a.join('hb', 'alive');
    const join = JSON.stringify({ type: 'join-room', roomId: 'hb', peerId: 'silent', timestamp: 1 });
    const raw = await RawWebSocket.open(server.port, '/ws', { first: [encodeFrame(OP.text, join)] });
    assert.equal((await a.next('peer-joined')).peerId, 'silent');
    const left = await a.next('peer-left', { timeout: 4000 });
    assert.equal(left.peerId, 'silent');
    raw.destroy();
    await a.close();
  });
});
