// Durability under kill -9: a chat message any client saw broadcast, and any
// lock or co-host change any client saw, survive a crash of the server.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { withServer } from './lib/server.mjs';
import { connect, roomId } from './lib/client.mjs';

const settings = { 'conference.chat_history': 100000 };
const WINDOW = 8; // chat messages each client keeps in flight
const KILL_AFTER = 300; // messages seen by the host in a round before kill -9

/// Keeps `WINDOW` of the client's own chat messages in flight until `state.stop`.
async function pump(client, state) {
  let sent = 0;
  let seenOwn = 0;
  client.sentTexts = client.sentTexts ?? new Set();
  const own = () => client.all('chat-message').filter((m) => m.peerId === client.peerId).length;
  while (!state.stop && !client.closeInfo) {
    seenOwn = own();
    while (sent - seenOwn < WINDOW && !state.stop) {
      const text = `${client.name} ${state.round}.${sent++}`;
      client.sentTexts.add(text);
      client.send('chat-message', { message: text });
    }
    try {
      await client.next('chat-message', { where: (d) => d.peerId === client.peerId, timeout: 5000 });
    } catch {
      return; // the server went away
    }
  }
}

test('kill -9 mid-stream loses no broadcast chat message, keeps order, and state never goes backwards', async () => {
  await withServer({ config: 'integration.toml', settings }, async (first) => {
    const room = roomId('crash');
    const names = ['Alice', 'Bob', 'Carol', 'Dave'];
    const identities = {}; // name -> {peerId, resumeToken}
    const everySent = new Set();
    const seenIds = new Map(); // id -> chat-message data, seen by any client in any round
    let server = first;
    let prev = null; // what the previous round saw before its kill
    const rounds = 3;

    for (let round = 0; ; ++round) {
      // The host first (with its token after a crash: the room may be locked).
      const alice = await connect(server, room, 'Alice');
      const { peers, history } = await alice.join('Alice', identities.Alice ?? {});
      identities.Alice = { peerId: alice.peerId, resumeToken: alice.resumeToken };

      if (prev) {
        const what = `after crash ${round}`;
        if (process.env.RC_IT_VERBOSE)
          console.log(`${what}: history ${history.length}, locked ${peers.roomLocked}`);
        assert.equal(peers.isHost, true, `${what}: Alice is host again`);
        if (!prev.lockedEither)
          assert.equal(peers.roomLocked, prev.locked, `${what}: the lock state is the last one seen`);
        verifyHistory(history, seenIds, everySent, what);
        for (const [n, ids] of Object.entries(prev.seen))
          assert.deepEqual(history.slice(prev.startLen, prev.startLen + ids.length).map((m) => m.id), ids,
            `${what}: ${n} saw exactly the next ${ids.length} messages of the history, in order`);
      }
      if (round === rounds) {
        // The co-host role, checked by Carol's return.
        const carol = await connect(server, room, 'Carol');
        const j = await carol.join('Carol', identities.Carol);
        if (!prev.carolEither)
          assert.equal(j.peers.coHostIds.includes(carol.peerId), prev.carolCoHost, 'the co-host role is the last one seen');
        await carol.close();
        await alice.close();
        break;
      }
      if (peers.roomLocked) {
        alice.send('room-unlocked');
        await alice.next('room-unlocked');
      }
      const clients = { Alice: alice };
      for (const n of names.slice(1)) {
        const c = await connect(server, room, n);
        c.joined = await c.join(n, identities[n] ?? {});
        identities[n] = { peerId: c.peerId, resumeToken: c.resumeToken };
        clients[n] = c;
      }
      const carolWasCoHost = clients.Carol.joined.peers.coHostIds.includes(clients.Carol.peerId);
      if (prev && !prev.carolEither)
        assert.equal(carolWasCoHost, prev.carolCoHost, `after crash ${round}: the co-host role is the last one seen`);

      // Stream; meanwhile Alice toggles the lock (one change in flight at a
      // time) and promotes Carol once.
      const lockEvents = (c) => c.all('room-locked').length + c.all('room-unlocked').length;
      const lockBaseline = Object.fromEntries(names.map((n) => [n, lockEvents(clients[n])]));
      const state = { stop: false, round };
      const pumps = names.map((n) => pump(clients[n], state));
      let toggles = 0;
      let lockedNow = false;
      let promoted = carolWasCoHost;
      let changeInFlight = false;
      const deadline = Date.now() + 8000;
      for (;;) {
        const seen = alice.all('chat-message').length;
        // Toggling stops a while before the kill, so that the last change
        // was usually seen and its state must have stuck.
        if (!changeInFlight && seen > 40 * (toggles + 1) && seen < KILL_AFTER - 80) {
          lockedNow = !lockedNow;
          const ev = lockedNow ? 'room-locked' : 'room-unlocked';
          alice.send(ev);
          changeInFlight = true;
          alice.next(ev, { timeout: 5000 }).then(() => (changeInFlight = false), () => {});
          ++toggles;
        }
        if (!promoted && seen > 100) {
          promoted = true;
          alice.send('promote-co-host', { targetPeerId: clients.Carol.peerId });
        }
        if (seen >= KILL_AFTER || Date.now() > deadline)
          break;
        await new Promise((r) => setTimeout(r, 5));
      }
      await server.kill9();
      state.stop = true;
      await Promise.all(pumps);
      await Promise.all(names.map((n) => clients[n].waitClose(5000)));
      assert.ok(alice.all('chat-message').length >= 50, `round ${round}: the stream was flowing before the kill`);

      // Every broadcast any client saw counts as acknowledged.
      const seen = {};
      for (const n of names) {
        const c = clients[n];
        for (const t of c.sentTexts)
          everySent.add(t);
        const msgs = c.all('chat-message');
        for (const m of msgs) {
          const before = seenIds.get(m.id);
          if (before)
            assert.deepEqual(m, before, `${n}: the same id carries the same message`);
          seenIds.set(m.id, m);
        }
        seen[n] = msgs.map((m) => m.id);
      }
      const lockSeen = Math.max(...names.map((n) => lockEvents(clients[n]) - lockBaseline[n]));
      const promoSeen = names.some((n) => clients[n].all('promote-co-host').length > 0);
      const lockInFlight = toggles > lockSeen;
      prev = {
        startLen: history.length,
        seen,
        // The last change seen must have stuck; one sent but unseen may or may not.
        locked: lockInFlight ? !lockedNow : lockedNow,
        lockedEither: lockInFlight,
        carolCoHost: carolWasCoHost || promoSeen,
        carolEither: !carolWasCoHost && promoted && !promoSeen,
      };
      if (process.env.RC_IT_VERBOSE)
        console.log(`round ${round}: seen ${Object.values(seen).map((x) => x.length)}, sent ${everySent.size},`
          + ` lock toggles ${toggles} (seen ${lockSeen}), promoted ${promoted} (seen ${promoSeen})`);
      server = await first.restart();
    }
  });
});

/// Every message any client saw is in `history`, identical; nothing in
/// history was invented; ids are unique.
function verifyHistory(history, seenIds, everySent, what) {
  const ids = history.map((m) => m.id);
  assert.equal(new Set(ids).size, ids.length, `${what}: history ids are unique`);
  const pos = new Map(ids.map((id, i) => [id, i]));
  const missing = [...seenIds.keys()].filter((id) => !pos.has(id));
  assert.deepEqual(missing, [], `${what}: ${missing.length} broadcast messages are missing from chat-history`);
  for (const [id, m] of seenIds)
    assert.deepEqual(history[pos.get(id)], m, `${what}: message ${id} is stored as broadcast`);
  for (const m of history)
    assert.ok(everySent.has(m.message), `${what}: history holds only sent messages (${m.message})`);
}

// Regression: the debounced snapshot (hands, screen share) used to take the
// persistence actor down, after which no chat message could be stored.
test('debounced state changes (hands) keep storage working, across kill -9', async () => {
  const fast = { ...settings, 'storage.snapshot_debounce_ms': 20 };
  await withServer({ config: 'integration.toml', settings: fast }, async (server) => {
    const room = roomId('debounce');
    const a = await connect(server, room, 'Alice');
    await a.join('Alice');
    for (let i = 0; i < 3; ++i) {
      a.send('raise-hand');
      await a.next('raise-hand');
      a.send('lower-hand');
      await a.next('lower-hand');
      // Let the debounced snapshot go out (there is no event for it).
      await new Promise((r) => setTimeout(r, 100));
      a.send('chat-message', { message: `after hands ${i}` });
      const m = await a.next(['chat-message', 'error']);
      assert.equal(m.event, 'chat-message', `round ${i}: the message was stored and broadcast (${JSON.stringify(m.data)})`);
    }
    await server.kill9();
    const again = await server.restart();
    const a2 = await connect(again, room, 'Alice');
    const { history } = await a2.join('Alice', { peerId: a.peerId, resumeToken: a.resumeToken });
    assert.deepEqual(history.map((m) => m.message), ['after hands 0', 'after hands 1', 'after hands 2']);
    await a2.close();
  });
});
