// The conference dialect (protocols/conference.md) end to end: the real
// binary, real `ws` clients, one server per test.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { withServer } from './lib/server.mjs';
import { Client, connect, joined, joinAll, closeAll, roomId, REACTIONS } from './lib/client.mjs';

const base = { config: 'integration.toml' };

/// The host sends a chat message and every client in `to` awaits it: every
/// room event emitted before it has reached them by then (one ordered stream
/// per client), so a test can then assert what did NOT arrive.
let barrierCount = 0;
async function barrier(from, to) {
  const text = `barrier ${++barrierCount}`;
  from.send('chat-message', { message: text });
  await Promise.all(to.map((c) => c.next('chat-message', { where: (d) => d.message === text })));
}

test('join answers peers with every contract field, then chat-history; the first joiner is host', async () => {
  await withServer(base, async (server) => {
    const room = roomId('join');
    const a = await connect(server, room, 'alice');
    const { peers, history } = await a.join('Alice', { peerId: 'peer_alice' });
    assert.deepEqual(a.received.map((m) => m.event), ['peers', 'chat-history'], 'peers first, then chat-history');
    assert.equal(peers.yourId, 'peer_alice');
    assert.deepEqual(peers.peers, []);
    assert.equal(peers.isHost, true);
    assert.equal(peers.hostId, 'peer_alice');
    assert.equal(peers.roomLocked, false);
    assert.equal(peers.chatEnabled, true);
    assert.deepEqual(peers.participants, [
      { peerId: 'peer_alice', username: 'Alice', isHost: true, isCoHost: false, handRaised: false, screenSharing: false },
    ]);
    assert.deepEqual(peers.raisedHands, []);
    assert.deepEqual(peers.coHostIds, []);
    assert.match(peers.resumeToken, /^[0-9a-f]{32}$/);
    assert.deepEqual(history, []);

    // No peerId: the server picks one.
    const b = await connect(server, room, 'bob');
    const jb = await b.join('Bob');
    assert.match(jb.peers.yourId, /^peer_[a-z0-9]{12}$/);
    assert.deepEqual(jb.peers.peers, ['peer_alice']);
    assert.equal(jb.peers.isHost, false);
    assert.equal(jb.peers.hostId, 'peer_alice');
    assert.deepEqual(jb.peers.participants.map((p) => [p.peerId, p.username, p.isHost]), [
      ['peer_alice', 'Alice', true],
      [jb.peers.yourId, 'Bob', false],
    ]);
    assert.notEqual(jb.peers.resumeToken, peers.resumeToken);
    await closeAll([a, b]);
  });
});

test('peer-joined reaches every member but the joiner', async () => {
  await withServer(base, async (server) => {
    const room = roomId('joined');
    const a = await joined(server, room, 'Alice');
    const b = await joined(server, room, 'Bob');
    assert.deepEqual(await a.next('peer-joined'), { peerId: b.peerId, username: 'Bob' });
    const c = await joined(server, room, 'Carol');
    assert.deepEqual(c.joined.peers.peers, [a.peerId, b.peerId], 'peers lists the others in join order');
    for (const x of [a, b])
      assert.deepEqual(await x.next('peer-joined'), { peerId: c.peerId, username: 'Carol' });
    await barrier(a, [a, b, c]);
    assert.deepEqual(b.all('peer-joined').map((d) => d.peerId), [c.peerId], 'Bob is not told about himself');
    assert.deepEqual(c.all('peer-joined'), [], 'Carol is not told about herself');
    await closeAll([a, b, c]);
  });
});

test('peer-left reaches the others when a member disconnects', async () => {
  await withServer(base, async (server) => {
    const [a, b, c] = await joinAll(server, roomId('left'), ['Alice', 'Bob', 'Carol']);
    c.terminate(); // no closing handshake: the server notices the dead socket
    for (const x of [a, b])
      assert.deepEqual(await x.next('peer-left'), { peerId: c.peerId });
    await b.close();
    assert.deepEqual(await a.next('peer-left'), { peerId: b.peerId });
    await closeAll([a]);
  });
});

test('offer, answer and candidate go only to targetPeerId, stamped with the real sender', async () => {
  await withServer(base, async (server) => {
    const [a, b, c] = await joinAll(server, roomId('relay'), ['Alice', 'Bob', 'Carol']);
    const sdp = 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n';
    a.send('offer', { peerId: c.peerId, targetPeerId: b.peerId, username: 'Mallory', sdp });
    assert.deepEqual(await b.next('offer'), { peerId: a.peerId, targetPeerId: b.peerId, username: 'Alice', sdp });

    b.send('answer', { peerId: 'peer_spoofed', targetPeerId: a.peerId, sdp: { type: 'answer', sdp: 'v=0' } });
    assert.deepEqual(await a.next('answer'), {
      peerId: b.peerId,
      targetPeerId: a.peerId,
      sdp: { type: 'answer', sdp: 'v=0' },
    });

    const candidate = JSON.stringify({ candidate: 'candidate:1 1 udp 2122260223 10.0.0.1 49152 typ host', sdpMid: '0' });
    a.send('candidate', { peerId: b.peerId, targetPeerId: b.peerId, candidate });
    assert.deepEqual(await b.next('candidate'), { peerId: a.peerId, targetPeerId: b.peerId, candidate });

    await barrier(a, [a, b, c]);
    for (const ev of ['offer', 'answer', 'candidate'])
      assert.deepEqual(c.all(ev), [], `Carol must not see the ${ev}`);
    assert.deepEqual(a.all('offer'), []);
    assert.deepEqual(b.all('answer'), []);

    a.send('offer', { targetPeerId: 'peer_nobody', sdp });
    const err = await a.nextError();
    assert.equal(err.code, 'PEER_NOT_FOUND');
    assert.equal(err.event, 'offer');
    await closeAll([a, b, c]);
  });
});

test('chat: 200 messages from one member reach every member in send order with unique ids', async () => {
  await withServer(base, async (server) => {
    const room = roomId('order');
    const clients = await joinAll(server, room, ['Alice', 'Bob', 'Carol']);
    const [, sender] = clients;
    const n = 200;
    const before = Date.now();
    for (let i = 0; i < n; ++i)
      sender.send('chat-message', { message: `m${i}`, peerId: 'peer_spoofed', username: 'Mallory', id: 'x' });
    for (const c of clients) {
      const got = [];
      for (let i = 0; i < n; ++i)
        got.push(await c.next('chat-message', { timeout: 10000 }));
      assert.deepEqual(got.map((m) => m.message), Array.from({ length: n }, (_, i) => `m${i}`), `${c.name}: order`);
      assert.equal(new Set(got.map((m) => m.id)).size, n, `${c.name}: ids are unique`);
      for (const m of got) {
        assert.equal(m.peerId, sender.peerId);
        assert.equal(m.username, 'Bob');
        assert.equal(typeof m.id, 'string');
        assert.ok(m.timestamp >= before - 1000 && m.timestamp <= Date.now() + 1000, `timestamp ${m.timestamp}`);
      }
      if (c !== clients[0])
        assert.deepEqual(got.map((m) => m.id), clients[0].all('chat-message').map((m) => m.id), 'same ids for all');
    }
    // A late joiner gets them as history (default chat_history = 100: the last 100).
    const late = await joined(server, room, 'Dave');
    assert.deepEqual(late.joined.history.map((m) => m.message), Array.from({ length: 100 }, (_, i) => `m${i + 100}`));
    await closeAll([...clients, late]);
  });
});

test('usernames and chat messages lose control characters and are HTML-escaped by default', async () => {
  await withServer(base, async (server) => {
    const room = roomId('sanitize');
    const a = await joined(server, room, 'Alice');
    const b = await joined(server, room, '  <img src=x onerror="alert(1)">\u0007 ');
    const cleanName = '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;';
    assert.deepEqual(await a.next('peer-joined'), { peerId: b.peerId, username: cleanName });
    b.send('chat-message', { message: "<b>Tom & Jerry's</b>\u0000\nline 2" });
    const m = await a.next('chat-message');
    assert.equal(m.message, '&lt;b&gt;Tom &amp; Jerry&#x27;s&lt;/b&gt;\nline 2');
    assert.equal(m.username, cleanName);
    await closeAll([a, b]);
  });
});

test('with conference.escape_html = false names and chat keep their text, minus control characters', async () => {
  await withServer({ ...base, settings: { ...(base.settings ?? {}), 'conference.escape_html': false } }, async (server) => {
    const room = roomId('raw');
    const a = await joined(server, room, 'Alice');
    const b = await joined(server, room, '  <img src=x onerror="alert(1)">\u0007 ');
    const cleanName = '<img src=x onerror="alert(1)">';
    assert.deepEqual(await a.next('peer-joined'), { peerId: b.peerId, username: cleanName });
    b.send('chat-message', { message: "<b>Tom & Jerry's</b>\u0000\nline 2" });
    const m = await a.next('chat-message');
    assert.equal(m.message, "<b>Tom & Jerry's</b>\nline 2");
    assert.equal(m.username, cleanName);
    await closeAll([a, b]);
  });
});

test('chat: concurrent senders; every member sees one identical order that keeps each sender\'s order', async () => {
  await withServer(base, async (server) => {
    const clients = await joinAll(server, roomId('interleave'), ['Alice', 'Bob', 'Carol']);
    const n = 100;
    for (let i = 0; i < n; ++i)
      for (const c of clients)
        c.send('chat-message', { message: `${c.name} ${i}` });
    const seen = [];
    for (const c of clients) {
      const got = [];
      for (let i = 0; i < 3 * n; ++i)
        got.push(await c.next('chat-message', { timeout: 10000 }));
      seen.push(got.map((m) => m.id));
      for (const sender of clients) {
        const mine = got.filter((m) => m.peerId === sender.peerId).map((m) => m.message);
        assert.deepEqual(mine, Array.from({ length: n }, (_, i) => `${sender.name} ${i}`),
          `${c.name} sees ${sender.name}'s messages in order`);
      }
    }
    assert.deepEqual(seen[1], seen[0], 'Bob sees what Alice sees, in the same order');
    assert.deepEqual(seen[2], seen[0], 'Carol sees what Alice sees, in the same order');
    await closeAll(clients);
  });
});

test('rooms are isolated from each other', async () => {
  await withServer(base, async (server) => {
    const one = roomId('iso');
    const two = roomId('iso');
    const [a, b] = await joinAll(server, one, ['Alice', 'Bob']);
    const [c, d] = await joinAll(server, two, ['Carol', 'Dave']);
    assert.equal(c.joined.peers.isHost, true, 'each room has its own host');
    a.send('chat-message', { message: 'room one only' });
    a.send('room-locked');
    a.send('raise-hand');
    await b.next('raise-hand');
    c.send('chat-message', { message: 'room two only' });
    await d.next('chat-message');
    await barrier(a, [a, b]);
    await barrier(c, [c, d]);
    for (const x of [c, d]) {
      assert.ok(!x.all('chat-message').some((m) => m.message === 'room one only'), `${x.name}: no chat from room one`);
      assert.deepEqual(x.all('room-locked'), []);
      assert.deepEqual(x.all('raise-hand'), []);
    }
    for (const x of [a, b])
      assert.ok(!x.all('chat-message').some((m) => m.message === 'room two only'), `${x.name}: no chat from room two`);
    const e = await joined(server, two, 'Erin');
    assert.equal(e.joined.peers.roomLocked, false, 'room two is not locked');
    assert.deepEqual(e.joined.history.map((m) => m.message), ['room two only', 'barrier ' + barrierCount]);
    await closeAll([a, b, c, d, e]);
  });
});

test('lock and unlock: host only; a locked room refuses new joiners with ROOM_LOCKED', async () => {
  await withServer(base, async (server) => {
    const room = roomId('lock');
    const [a, b] = await joinAll(server, room, ['Alice', 'Bob']);
    b.send('room-locked');
    let err = await b.nextError();
    assert.equal(err.code, 'UNAUTHORIZED');
    assert.equal(err.event, 'room-locked');

    a.send('room-locked');
    assert.deepEqual(await a.next('room-locked'), {});
    assert.deepEqual(await b.next('room-locked'), {});

    const c = await connect(server, room, 'carol');
    err = await c.joinRefused('Carol');
    assert.equal(err.code, 'ROOM_LOCKED');
    assert.equal(err.event, 'join');

    b.send('room-unlocked');
    assert.equal((await b.nextError()).code, 'UNAUTHORIZED');
    a.send('room-unlocked');
    assert.deepEqual(await a.next('room-unlocked'), {});
    assert.deepEqual(await b.next('room-unlocked'), {});

    // The refused connection stayed usable: the same socket joins now.
    const jc = await c.join('Carol');
    assert.equal(jc.peers.roomLocked, false);
    assert.deepEqual(await a.next('peer-joined'), { peerId: c.peerId, username: 'Carol' });
    assert.deepEqual(a.all('peer-joined').map((d) => d.peerId), [b.peerId, c.peerId], 'no peer-joined while refused');
    await closeAll([a, b, c]);
  });
});

test('chat disable/enable: host only; participants get CHAT_DISABLED, the host may still talk', async () => {
  await withServer(base, async (server) => {
    const room = roomId('chatflag');
    const [a, b] = await joinAll(server, room, ['Alice', 'Bob']);
    b.send('chat-disabled');
    assert.equal((await b.nextError()).code, 'UNAUTHORIZED');

    a.send('chat-disabled');
    assert.deepEqual(await a.next('chat-disabled'), {});
    assert.deepEqual(await b.next('chat-disabled'), {});

    b.send('chat-message', { message: 'can anyone hear me?' });
    const err = await b.nextError();
    assert.equal(err.code, 'CHAT_DISABLED');
    assert.equal(err.event, 'chat-message');

    const c = await joined(server, room, 'Carol');
    assert.equal(c.joined.peers.chatEnabled, false, 'a new joiner learns chat is off');

    a.send('chat-message', { message: 'host announcement' });
    for (const x of [a, b, c])
      assert.equal((await x.next('chat-message')).message, 'host announcement');
    assert.ok(!a.all('chat-message').some((m) => m.message === 'can anyone hear me?'), 'refused message not delivered');

    a.send('chat-enabled');
    for (const x of [a, b, c])
      assert.deepEqual(await x.next('chat-enabled'), {});
    b.send('chat-message', { message: 'back again' });
    for (const x of [a, b, c])
      assert.equal((await x.next('chat-message')).message, 'back again');
    await closeAll([a, b, c]);
  });
});

test('kick: the target gets kicked then close 4000, the others peer-left, and it cannot rejoin', async () => {
  await withServer(base, async (server) => {
    const room = roomId('kick');
    const [a, b, c] = await joinAll(server, room, ['Alice', 'Bob', 'Carol']);
    c.send('kicked', { targetPeerId: b.peerId });
    assert.equal((await c.nextError()).code, 'UNAUTHORIZED');
    a.send('kicked', { targetPeerId: 'peer_nobody' });
    assert.equal((await a.nextError()).code, 'PEER_NOT_FOUND');

    a.send('kicked', { targetPeerId: b.peerId });
    assert.deepEqual(await b.next('kicked'), {});
    const closed = await b.waitClose();
    assert.equal(closed.code, 4000);
    for (const x of [a, c])
      assert.deepEqual(await x.next('peer-left'), { peerId: b.peerId });
    assert.equal(b.received.at(-1).event, 'kicked', 'kicked is the last frame before the close');

    // Neither the bare peerId nor its resume token gets back in.
    const again = await connect(server, room, 'bob-again');
    for (const opts of [{ peerId: b.peerId }, { peerId: b.peerId, resumeToken: b.resumeToken }]) {
      const err = await again.joinRefused('Bob', opts);
      assert.equal(err.code, 'UNAUTHORIZED');
      assert.equal(err.reason, 'removed');
    }
    // Under a new identity the same person may come back.
    const j = await again.join('Bob');
    assert.notEqual(j.peers.yourId, b.peerId);
    await closeAll([a, c, again]);
  });
});

test('when the host leaves, the longest-present member becomes host (host-changed)', async () => {
  await withServer(base, async (server) => {
    const room = roomId('handover');
    const [a, b, c] = await joinAll(server, room, ['Alice', 'Bob', 'Carol']);
    await a.close();
    for (const x of [b, c]) {
      assert.deepEqual(await x.next('peer-left'), { peerId: a.peerId });
      assert.deepEqual(await x.next('host-changed'), { hostId: b.peerId });
    }
    // Bob acts as host now; Carol still cannot.
    c.send('room-locked');
    assert.equal((await c.nextError()).code, 'UNAUTHORIZED');
    b.send('room-locked');
    await c.next('room-locked');
    b.send('room-unlocked');
    await c.next('room-unlocked');

    const d = await joined(server, room, 'Dave');
    assert.equal(d.joined.peers.hostId, b.peerId);
    assert.deepEqual(d.joined.peers.participants.filter((p) => p.isHost).map((p) => p.peerId), [b.peerId]);

    // And again: Bob leaves, Carol (joined before Dave) takes over.
    await b.close();
    for (const x of [c, d])
      assert.deepEqual(await x.next('host-changed'), { hostId: c.peerId });
    await closeAll([c, d]);
  });
});

test('co-hosts: promotion is broadcast, a co-host may lock and kick participants, never the host', async () => {
  await withServer(base, async (server) => {
    const room = roomId('cohost');
    const [a, b, c] = await joinAll(server, room, ['Alice', 'Bob', 'Carol']);
    b.send('promote-co-host', { targetPeerId: c.peerId });
    assert.equal((await b.nextError()).code, 'UNAUTHORIZED');
    a.send('promote-co-host', { targetPeerId: a.peerId });
    assert.equal((await a.nextError()).code, 'INVALID_PAYLOAD', 'the host is already host');

    a.send('promote-co-host', { targetPeerId: c.peerId });
    for (const x of [a, b, c])
      assert.deepEqual(await x.next('promote-co-host'), { targetPeerId: c.peerId });

    c.send('room-locked');
    for (const x of [a, b, c])
      assert.deepEqual(await x.next('room-locked'), {});
    c.send('room-unlocked');
    for (const x of [a, b, c])
      assert.deepEqual(await x.next('room-unlocked'), {});

    // The host may not be kicked, by a co-host or by itself.
    c.send('kicked', { targetPeerId: a.peerId });
    assert.equal((await c.nextError()).code, 'UNAUTHORIZED');
    a.send('kicked', { targetPeerId: a.peerId });
    assert.equal((await a.nextError()).code, 'UNAUTHORIZED');

    const d = await joined(server, room, 'Dave');
    assert.deepEqual(d.joined.peers.coHostIds, [c.peerId]);
    assert.deepEqual(d.joined.peers.participants.find((p) => p.peerId === c.peerId),
      { peerId: c.peerId, username: 'Carol', isHost: false, isCoHost: true, handRaised: false, screenSharing: false });

    c.send('kicked', { targetPeerId: d.peerId });
    assert.deepEqual(await d.next('kicked'), {});
    assert.equal((await d.waitClose()).code, 4000);
    assert.deepEqual(await a.next('peer-left', { where: (x) => x.peerId === d.peerId }), { peerId: d.peerId });
    await closeAll([a, b, c]);
  });
});

test('mute-participant is delivered to its target only; participants may not mute', async () => {
  await withServer(base, async (server) => {
    const [a, b, c] = await joinAll(server, roomId('mute'), ['Alice', 'Bob', 'Carol']);
    a.send('mute-participant', { targetPeerId: b.peerId });
    assert.deepEqual(await b.next('mute-participant'), { targetPeerId: b.peerId, peerId: a.peerId });
    b.send('mute-participant', { targetPeerId: c.peerId });
    assert.equal((await b.nextError()).code, 'UNAUTHORIZED');
    a.send('mute-participant', { targetPeerId: 'peer_nobody' });
    assert.equal((await a.nextError()).code, 'PEER_NOT_FOUND');
    // A co-host may mute participants, not the host.
    a.send('promote-co-host', { targetPeerId: c.peerId });
    await c.next('promote-co-host');
    c.send('mute-participant', { targetPeerId: a.peerId });
    assert.equal((await c.nextError()).code, 'UNAUTHORIZED');
    c.send('mute-participant', { targetPeerId: b.peerId });
    assert.deepEqual(await b.next('mute-participant'), { targetPeerId: b.peerId, peerId: c.peerId });
    await barrier(a, [a, b, c]);
    assert.deepEqual(c.all('mute-participant'), []);
    assert.deepEqual(a.all('mute-participant'), []);
    await closeAll([a, b, c]);
  });
});

test('raise and lower hand are broadcast to everyone; a raised hand is cleared when its owner leaves', async () => {
  await withServer(base, async (server) => {
    const room = roomId('hands');
    const [a, b, c] = await joinAll(server, room, ['Alice', 'Bob', 'Carol']);
    b.send('raise-hand', { peerId: a.peerId, username: 'Mallory' });
    for (const x of [a, b, c])
      assert.deepEqual(await x.next('raise-hand'), { peerId: b.peerId, username: 'Bob' });

    const d = await joined(server, room, 'Dave');
    assert.deepEqual(d.joined.peers.raisedHands, [b.peerId]);
    assert.equal(d.joined.peers.participants.find((p) => p.peerId === b.peerId).handRaised, true);

    b.send('lower-hand', {});
    for (const x of [a, b, c, d])
      assert.deepEqual(await x.next('lower-hand'), { peerId: b.peerId });

    c.send('raise-hand', {});
    for (const x of [a, b, c, d])
      await x.next('raise-hand', { where: (h) => h.peerId === c.peerId });
    await c.close();
    await a.next('peer-left', { where: (x) => x.peerId === c.peerId });
    const e = await joined(server, room, 'Erin');
    assert.deepEqual(e.joined.peers.raisedHands, [], 'the hand left with its owner');
    await closeAll([a, b, d, e]);
  });
});

test('reactions: only the six emoji, delivered to the others', async () => {
  await withServer(base, async (server) => {
    const [a, b, c] = await joinAll(server, roomId('react'), ['Alice', 'Bob', 'Carol']);
    for (const emoji of REACTIONS) {
      a.send('reaction', { emoji, peerId: b.peerId });
      for (const x of [b, c])
        assert.deepEqual(await x.next('reaction'), { peerId: a.peerId, emoji });
    }
    // A heart without the variation selector is the same reaction.
    a.send('reaction', { emoji: '\u2764' });
    assert.deepEqual(await b.next('reaction'), { peerId: a.peerId, emoji: '❤️' });

    for (const emoji of ['💩', 'x', '👍👍', '', '<script>']) {
      a.send('reaction', { emoji });
      const err = await a.nextError();
      assert.equal(err.code, 'INVALID_EMOJI', `emoji ${JSON.stringify(emoji)}`);
      assert.equal(err.event, 'reaction');
    }
    a.send('reaction', {});
    assert.equal((await a.nextError()).code, 'INVALID_PAYLOAD');

    await barrier(a, [a, b, c]);
    assert.deepEqual(a.all('reaction'), [], 'the sender does not get its own reaction');
    assert.equal(b.all('reaction').length, REACTIONS.length + 1, 'invalid reactions are not relayed');
    await closeAll([a, b, c]);
  });
});

test('screen share start/stop reaches the others and shows in peers', async () => {
  await withServer(base, async (server) => {
    const room = roomId('screen');
    const [a, b, c] = await joinAll(server, room, ['Alice', 'Bob', 'Carol']);
    b.send('screen-share-start', {});
    for (const x of [a, c])
      assert.deepEqual(await x.next('screen-share-start'), { peerId: b.peerId });
    const d = await joined(server, room, 'Dave');
    assert.equal(d.joined.peers.participants.find((p) => p.peerId === b.peerId).screenSharing, true);
    b.send('screen-share-stop', {});
    for (const x of [a, c, d])
      assert.deepEqual(await x.next('screen-share-stop'), { peerId: b.peerId });
    await barrier(a, [b]);
    assert.deepEqual(b.all('screen-share-start'), []);
    assert.deepEqual(b.all('screen-share-stop'), []);
    await closeAll([a, b, c, d]);
  });
});

test('ROOM_FULL once conference.room_capacity members are in', async () => {
  await withServer({ ...base, settings: { 'conference.room_capacity': 2 } }, async (server) => {
    const room = roomId('full');
    const [a, b] = await joinAll(server, room, ['Alice', 'Bob']);
    const c = await connect(server, room, 'carol');
    const err = await c.joinRefused('Carol');
    assert.equal(err.code, 'ROOM_FULL');
    assert.equal(err.event, 'join');
    // Resuming takes no extra seat: Bob's new socket replaces his old one.
    const b2 = await connect(server, room, 'bob-2');
    await b2.join('Bob', { peerId: b.peerId, resumeToken: b.resumeToken });
    assert.equal((await b.waitClose()).code, 4001);
    assert.deepEqual(await a.next('peer-left'), { peerId: b.peerId });
    assert.deepEqual(await a.next('peer-joined'), { peerId: b.peerId, username: 'Bob' });
    // Another room is not affected.
    const other = await joined(server, roomId('full-other'), 'Olga');
    await b2.close();
    assert.deepEqual(await a.next('peer-left'), { peerId: b.peerId });
    await c.join('Carol');
    assert.deepEqual(await a.next('peer-joined'), { peerId: c.peerId, username: 'Carol' });
    await closeAll([a, c, other]);
  });
});

test('INVALID_ROOM for room ids outside [A-Za-z0-9_-]{1,64}', async () => {
  await withServer(base, async (server) => {
    for (const bad of ['bad$id', 'x'.repeat(65), 'a.b']) {
      const c = await new Client(`${server.url}/room/${bad}/websocket`, bad).open();
      const err = await c.joinRefused('Alice');
      assert.equal(err.code, 'INVALID_ROOM', bad);
      await c.close();
    }
    const ok = await joined(server, 'x'.repeat(64), 'Alice');
    assert.equal(ok.joined.peers.isHost, true);
    await ok.close();
  });
});

test('resume: a taken peerId needs its resumeToken; the new socket replaces the old (4001)', async () => {
  await withServer(base, async (server) => {
    const room = roomId('resume');
    const [a, b] = await joinAll(server, room, ['Alice', 'Bob']);

    const thief = await connect(server, room, 'thief');
    let err = await thief.joinRefused('Alice', { peerId: a.peerId });
    assert.equal(err.code, 'UNAUTHORIZED');
    assert.equal(err.reason, 'peer_id_in_use');
    for (const resumeToken of [b.resumeToken, '0'.repeat(32), 'short']) {
      err = await thief.joinRefused('Alice', { peerId: a.peerId, resumeToken });
      assert.equal(err.code, 'UNAUTHORIZED', resumeToken);
      assert.equal(err.reason, 'invalid_token', resumeToken);
    }
    // A token is bound to its room.
    const elsewhere = await connect(server, roomId('resume-other'), 'elsewhere');
    await elsewhere.join('Other', { peerId: 'peer_other' });
    assert.equal((await thief.joinRefused('Alice', { peerId: a.peerId, resumeToken: elsewhere.resumeToken })).code,
      'UNAUTHORIZED');
    await thief.close();

    const a2 = await connect(server, room, 'alice-2');
    const j = await a2.join('Alice', { peerId: a.peerId, resumeToken: a.resumeToken });
    assert.equal(j.peers.yourId, a.peerId);
    assert.equal(j.peers.isHost, true, 'the host role comes back with the token');
    assert.deepEqual(j.peers.peers, [b.peerId]);
    assert.equal((await a.waitClose()).code, 4001);
    assert.deepEqual(await b.next('peer-left'), { peerId: a.peerId });
    assert.deepEqual(await b.next('peer-joined'), { peerId: a.peerId, username: 'Alice' });

    // The new socket holds the host role; the old one is gone.
    a2.send('room-locked');
    await b.next('room-locked');
    await closeAll([a2, b, elsewhere]);
  });
});

test('resume: the host alone leaves its locked room and re-enters with its token as host', async () => {
  await withServer(base, async (server) => {
    const room = roomId('relock');
    const a = await joined(server, room, 'Alice', { peerId: 'peer_alice' });
    a.send('room-locked');
    await a.next('room-locked');
    a.send('chat-message', { message: 'before leaving' });
    await a.next('chat-message');
    await a.close();

    const stranger = await connect(server, room, 'stranger');
    assert.equal((await stranger.joinRefused('Stranger')).code, 'ROOM_LOCKED');
    const spoof = await stranger.joinRefused('Alice', { peerId: 'peer_alice' });
    assert.equal(spoof.code, 'UNAUTHORIZED', 'the host peerId without its token is refused');
    assert.equal(spoof.reason, 'peer_id_in_use');

    const back = await connect(server, room, 'alice-back');
    const j = await back.join('Alice', { peerId: 'peer_alice', resumeToken: a.resumeToken });
    assert.equal(j.peers.isHost, true);
    assert.equal(j.peers.hostId, 'peer_alice');
    assert.equal(j.peers.roomLocked, true);
    assert.deepEqual(j.history.map((m) => m.message), ['before leaving']);
    back.send('room-unlocked');
    await back.next('room-unlocked');
    await stranger.join('Stranger');
    await closeAll([back, stranger]);
  });
});

test('a host who leaves the room empty keeps the role for host_grace_seconds, then the longest present takes it', async () => {
  await withServer({ ...base, settings: { 'conference.host_grace_seconds': 1 } }, async (server) => {
    const room = roomId('grace');
    const a = await joined(server, room, 'Alice');
    await a.close();

    // Within the grace period: newcomers join, the role waits for Alice.
    const b = await joined(server, room, 'Bob');
    assert.equal(b.joined.peers.isHost, false);
    assert.equal(b.joined.peers.hostId, a.peerId);
    b.send('room-locked');
    assert.equal((await b.nextError()).code, 'UNAUTHORIZED');
    const c = await joined(server, room, 'Carol');
    // Alice did not come back: Bob (longest present) takes over, everyone is told.
    for (const x of [b, c])
      assert.deepEqual(await x.next('host-changed', { timeout: 3000 }), { hostId: b.peerId });
    b.send('room-locked');
    await c.next('room-locked');
    await closeAll([b, c]);
  });
});

test('a host who comes back within host_grace_seconds with its token is host again', async () => {
  await withServer({ ...base, settings: { 'conference.host_grace_seconds': 30 } }, async (server) => {
    const room = roomId('grace-back');
    const a = await joined(server, room, 'Alice');
    await a.close();
    const b = await joined(server, room, 'Bob');
    const a2 = await joined(server, room, 'Alice', { peerId: a.peerId, resumeToken: a.resumeToken });
    assert.equal(a2.joined.peers.isHost, true);
    assert.deepEqual(await b.next('peer-joined'), { peerId: a.peerId, username: 'Alice' });
    a2.send('room-locked');
    await b.next('room-locked');
    await closeAll([a2, b]);
  });
});

// Regression: while the host role waits for its absent holder (host grace),
// a join that merely names the host's peerId, without its resumeToken, was
// admitted as host. Every member learns that peerId from `peers`.
test('while the host role waits, the host\'s peerId without its token does not get it', async () => {
  await withServer({ ...base, settings: { 'conference.host_grace_seconds': 30 } }, async (server) => {
    const room = roomId('grace-steal');
    const [a, b] = await joinAll(server, room, ['Alice', 'Bob']);
    await b.close();
    await a.next('peer-left');
    await a.close(); // the room is empty; the role waits for Alice

    const mallory = await connect(server, room, 'mallory');
    let j = null;
    try {
      j = await mallory.join('Mallory', { peerId: a.peerId });
    } catch (err) {
      assert.equal(err.code, 'UNAUTHORIZED', 'refusing the claim is fine too');
    }
    if (j) {
      assert.equal(j.peers.isHost, false, 'a tokenless claim of the host\'s peerId was made host');
      mallory.send('room-locked');
      assert.equal((await mallory.nextError()).code, 'UNAUTHORIZED');
    }
    await closeAll([mallory]);
  });
});

test('a second join on the same connection is ALREADY_JOINED', async () => {
  await withServer(base, async (server) => {
    const room = roomId('twice');
    const [a, b] = await joinAll(server, room, ['Alice', 'Bob']);
    a.send('join', { username: 'Alice again' });
    const err = await a.nextError();
    assert.equal(err.code, 'ALREADY_JOINED');
    await barrier(a, [a, b]);
    assert.deepEqual(b.all('peer-joined'), []);
    await closeAll([a, b]);
  });
});

test('load-chat-history pages back through history on disk beyond what joins get', async () => {
  await withServer({ ...base, settings: { 'conference.chat_history': 5 } }, async (server) => {
    const room = roomId('paging');
    const a = await joined(server, room, 'Alice');
    for (let i = 1; i <= 12; ++i) {
      a.send('chat-message', { message: `m${i}` });
      await a.next('chat-message', { where: (d) => d.message === `m${i}` });
    }
    const b = await joined(server, room, 'Bob');
    assert.deepEqual(b.joined.history.map((m) => m.message), ['m8', 'm9', 'm10', 'm11', 'm12']);
    b.send('load-chat-history', { before: b.joined.history[0].id, limit: 4 });
    const older = await b.next('chat-history-page');
    assert.deepEqual(older.messages.map((m) => m.message), ['m4', 'm5', 'm6', 'm7']);
    assert.equal(older.hasMore, true);
    b.send('load-chat-history', { before: older.messages[0].id, limit: 10 });
    const oldest = await b.next('chat-history-page');
    assert.deepEqual(oldest.messages.map((m) => m.message), ['m1', 'm2', 'm3']);
    assert.equal(oldest.hasMore, false);
    b.send('load-chat-history', { before: 'not-an-id' });
    assert.equal((await b.nextError()).code, 'INVALID_PAYLOAD');
    await closeAll([a, b]);
  });
});
