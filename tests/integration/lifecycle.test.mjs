// The process contract (DESIGN.md "Running it"): readiness, graceful
// shutdown, restart on the same data directory, idle room passivation, and
// the command line.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

import { withServer, httpGet, roomcastBin, withTimeout } from './lib/server.mjs';
import { connect, joined, joinAll, closeAll, roomId } from './lib/client.mjs';

const base = { config: 'integration.toml' };

test('GET /healthz answers 200 once the listening line is printed', async () => {
  await withServer(base, async (server) => {
    const r = await httpGet(server, '/healthz');
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { status: 'ok' });
    const head = await fetch(`${server.httpUrl}/healthz`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.ok(existsSync(path.join(server.dataDir, 'roomcast.db')), 'the database lives in --data-dir');
  });
});

test('SIGTERM closes every client with 1001 and exits 0', async () => {
  await withServer(base, async (server) => {
    const [a, b] = await joinAll(server, roomId('term-1'), ['Alice', 'Bob']);
    const [c] = await joinAll(server, roomId('term-2'), ['Carol']);
    const started = Date.now();
    const result = await server.stop(); // asserts exit code 0
    assert.deepEqual(result, { code: 0, signal: null });
    for (const x of [a, b, c]) {
      const closed = await x.waitClose(1000);
      assert.equal(closed.code, 1001, `${x.name} close code`);
    }
    assert.deepEqual(a.all('peer-left'), [], 'members are not told the others left: the server went away');
    assert.ok(Date.now() - started < 10000);
  });
});

test('SIGINT is a graceful stop too', async () => {
  await withServer(base, async (server) => {
    const [a] = await joinAll(server, roomId('int'), ['Alice']);
    await server.stop({ signal: 'SIGINT' }); // asserts exit code 0
    assert.equal((await a.waitClose(1000)).code, 1001);
  });
});

// Regression: clients that joined no room yet were cut without a close frame.
test('SIGTERM also closes a connected client that has not joined yet with 1001', async () => {
  await withServer(base, async (server) => {
    const [a] = await joinAll(server, roomId('term-lobby'), ['Alice']);
    const lobby = await connect(server, roomId('term-lobby'), 'lobby');
    const closes = Promise.all([a.waitClose(5000), lobby.waitClose(5000)]);
    await server.stop();
    const [ca, cl] = await closes;
    assert.equal(ca.code, 1001);
    assert.equal(cl.code, 1001, 'a client in the lobby gets the same goodbye');
  });
});

// Regression: joins that arrived around the SIGTERM (from sockets opened
// before it) made the registry spawn a fresh room after it had shut every
// room down, and the process never exited. Several timings, 8 late joiners
// each; stops at the first hang.
test('joins sent around the SIGTERM do not keep the server from exiting', async () => {
  const hung = [];
  for (const when of [0, 2, 3, 'after the first 1001']) {
    if (hung.length)
      break;
    await withServer(base, async (server) => {
      const [a] = await joinAll(server, roomId('drain'), ['Alice']);
      const late = [];
      for (let i = 0; i < 8; ++i)
        late.push(await connect(server, roomId('drain-late'), `late-${i}`));
      server.proc.kill('SIGTERM');
      if (typeof when === 'number')
        await new Promise((r) => setTimeout(r, when));
      else
        assert.equal((await a.waitClose(5000)).code, 1001);
      for (const c of late)
        c.send('join', { username: 'Late' });
      const exit = await withTimeout(server.exited, 6000, 'still running').catch(() => null);
      if (exit === null) {
        hung.push(`joins ${typeof when === 'number' ? `${when} ms after` : when}`);
        await server.kill9();
        return;
      }
      // (Otherwise the next timing.)
      server.proc = null;
      assert.deepEqual(exit, { code: 0, signal: null });
      assert.equal((await a.waitClose(1000)).code, 1001);
    });
  }
  assert.deepEqual(hung, [], 'roomcast still running 6 s after SIGTERM');
});

test('a restart on the same data directory keeps lock, chat flag, co-hosts, bans, history and roles', async () => {
  await withServer(base, async (server) => {
    const room = roomId('restart');
    const [host, member, cohost, rude] = await joinAll(server, room, ['Alice', 'Bob', 'Carol', 'Rudy']);
    host.send('promote-co-host', { targetPeerId: cohost.peerId });
    await cohost.next('promote-co-host');
    host.send('kicked', { targetPeerId: rude.peerId });
    await rude.waitClose();
    const sent = ['first', 'second <b>', 'third'];
    for (const m of sent) {
      member.send('chat-message', { message: m });
      // Delivered HTML-escaped (conference.escape_html), and stored so.
      const shown = m.replaceAll('<', '&lt;').replaceAll('>', '&gt;');
      await host.next('chat-message', { where: (d) => d.message === shown });
    }
    host.send('chat-disabled');
    await member.next('chat-disabled');
    host.send('room-locked');
    await member.next('room-locked');
    const before = host.all('chat-message');
    // Only the host stays for the shutdown (several members at SIGTERM are
    // the subject of a test below).
    await closeAll([member, cohost]);
    await host.next('peer-left', { where: (d) => d.peerId === cohost.peerId });

    await server.stop();
    assert.equal((await host.waitClose()).code, 1001);

    const again = await server.restart();
    assert.notEqual(again.port, 0);

    // Locked: newcomers stay out, and so does Bob's peerId without its token.
    const stranger = await connect(again, room, 'stranger');
    assert.equal((await stranger.joinRefused('Stranger')).code, 'ROOM_LOCKED');
    assert.equal((await stranger.joinRefused('Bob', { peerId: member.peerId })).code, 'ROOM_LOCKED');
    // The ban survived, token or not.
    const banned = await stranger.joinRefused('Rudy', { peerId: rude.peerId, resumeToken: rude.resumeToken });
    assert.equal(banned.code, 'UNAUTHORIZED');
    assert.equal(banned.reason, 'removed');

    // The host's token still works and brings the host role back.
    const host2 = await connect(again, room, 'alice-2');
    const j = await host2.join('Alice', { peerId: host.peerId, resumeToken: host.resumeToken });
    assert.equal(j.peers.isHost, true);
    assert.equal(j.peers.hostId, host.peerId);
    assert.equal(j.peers.roomLocked, true);
    assert.equal(j.peers.chatEnabled, false);
    assert.deepEqual(j.history, before, 'chat-history holds the same messages (ids, timestamps, text)');

    // The co-host, as a returning admin, may enter the locked room.
    const cohost2 = await connect(again, room, 'carol-2');
    const jc = await cohost2.join('Carol', { peerId: cohost.peerId, resumeToken: cohost.resumeToken });
    assert.deepEqual(jc.peers.coHostIds, [cohost.peerId]);
    assert.equal(jc.peers.participants.find((p) => p.peerId === cohost.peerId).isCoHost, true);

    // Bob's token (proof of earlier admission) gets him back into the locked
    // room, as a participant; chat is still off for him.
    const member2 = await connect(again, room, 'bob-2');
    const jb = await member2.join('Bob', { peerId: member.peerId, resumeToken: member.resumeToken });
    assert.equal(jb.peers.isHost, false);
    assert.deepEqual(jb.peers.coHostIds, [cohost.peerId]);
    member2.send('room-unlocked');
    assert.equal((await member2.nextError()).code, 'UNAUTHORIZED');
    member2.send('chat-message', { message: 'hello?' });
    assert.equal((await member2.nextError()).code, 'CHAT_DISABLED');
    host2.send('chat-message', { message: 'after restart' });
    const m = await member2.next('chat-message');
    assert.ok(!before.some((b) => b.id === m.id), 'new ids do not repeat old ones');
    await closeAll([stranger, host2, cohost2, member2]);
  });
});

// Regression: while a room snapshotted on SIGTERM, the leaves its own 1001
// closes caused handed the host role over and persisted that. A race, hence
// 16 rooms per shutdown and several shutdowns.
test('SIGTERM keeps every room\'s host even when other members are present', async () => {
  await withServer(base, async (first) => {
    let server = first;
    const lost = [];
    for (let cycle = 0; cycle < 4 && lost.length === 0; ++cycle) {
      const rooms = [];
      for (let i = 0; i < 16; ++i) {
        const room = roomId('term-host');
        const [host, member] = await joinAll(server, room, ['Alice', 'Bob']);
        host.send('room-locked');
        await member.next('room-locked');
        rooms.push({ room, host });
      }
      await server.stop();
      for (const { host } of rooms)
        assert.equal((await host.waitClose()).code, 1001);
      server = await first.restart();
      for (const { room, host } of rooms) {
        const c = await connect(server, room, 'alice-again');
        try {
          const j = await c.join('Alice', { peerId: host.peerId, resumeToken: host.resumeToken });
          if (!j.peers.isHost)
            lost.push(`${room}: host is ${j.peers.hostId}`);
        } catch (err) {
          lost.push(`${room}: the host's token is refused (${err.code})`);
        }
        await c.close();
      }
    }
    assert.deepEqual(lost, [], `${lost.length} rooms lost their host on SIGTERM`);
  });
});

test('after a restart the host role waits for its holder; newcomers are not made host meanwhile', async () => {
  await withServer({ ...base, settings: { 'conference.host_grace_seconds': 30 } }, async (server) => {
    const room = roomId('restart-grace');
    const [a, b] = await joinAll(server, room, ['Alice', 'Bob']);
    await server.stop();
    const again = await server.restart();
    const b2 = await joined(again, room, 'Bob', { peerId: b.peerId, resumeToken: b.resumeToken });
    assert.equal(b2.joined.peers.isHost, false, 'first back, but not the host');
    assert.equal(b2.joined.peers.hostId, a.peerId);
    const c = await joined(again, room, 'Carol');
    assert.equal(c.joined.peers.isHost, false);
    const a2 = await joined(again, room, 'Alice', { peerId: a.peerId, resumeToken: a.resumeToken });
    assert.equal(a2.joined.peers.isHost, true);
    a2.send('room-locked');
    await b2.next('room-locked');
    await closeAll([a2, b2, c]);
  });
});

// Regression: the same hole as in conference.test.mjs, after a restart: every
// room reserves its host role, and a join that merely named the host's peerId
// (no resumeToken) was admitted as host.
test('after a restart, the host\'s peerId without its token does not get the host role', async () => {
  await withServer({ ...base, settings: { 'conference.host_grace_seconds': 30 } }, async (server) => {
    const room = roomId('restart-steal');
    const [a, b] = await joinAll(server, room, ['Alice', 'Bob']);
    await server.stop();
    for (const x of [a, b])
      await x.waitClose();
    const again = await server.restart();
    const mallory = await connect(again, room, 'mallory');
    let j = null;
    try {
      j = await mallory.join('Mallory', { peerId: a.peerId });
    } catch (err) {
      assert.equal(err.code, 'UNAUTHORIZED', 'refusing the claim is fine too');
    }
    if (j)
      assert.equal(j.peers.isHost, false, 'a tokenless claim of the host\'s peerId was made host');
    await closeAll([mallory]);
  });
});

test('an idle room passivates and a later join finds the same state', async () => {
  const settings = { 'storage.room_idle_seconds': 1 };
  await withServer({ ...base, settings }, async (server) => {
    const room = roomId('idle');
    const [host, cohost, member] = await joinAll(server, room, ['Alice', 'Carol', 'Bob']);
    host.send('promote-co-host', { targetPeerId: cohost.peerId });
    await member.next('promote-co-host');
    member.send('chat-message', { message: 'remember me' });
    await host.next('chat-message');
    host.send('chat-disabled');
    await member.next('chat-disabled');
    host.send('room-locked');
    await member.next('room-locked');
    // One by one, the host last: its role stays put (no hand-over).
    for (const c of [member, cohost, host]) {
      await c.close();
      if (c !== host)
        await host.next('peer-left', { where: (d) => d.peerId === c.peerId });
    }

    // Room idle timeout is 1 s; nothing tells a client that a room passivated.
    await new Promise((r) => setTimeout(r, 2000));

    const stranger = await connect(server, room, 'stranger');
    assert.equal((await stranger.joinRefused('Stranger')).code, 'ROOM_LOCKED');
    const cohost2 = await joined(server, room, 'Carol', { peerId: cohost.peerId, resumeToken: cohost.resumeToken });
    assert.equal(cohost2.joined.peers.roomLocked, true);
    assert.equal(cohost2.joined.peers.chatEnabled, false);
    assert.deepEqual(cohost2.joined.history.map((m) => m.message), ['remember me']);
    assert.deepEqual(cohost2.joined.peers.coHostIds, [cohost.peerId]);
    // The host left the room empty: its role waits for it (host_grace_seconds).
    assert.equal(cohost2.joined.peers.hostId, host.peerId);
    assert.equal(cohost2.joined.peers.isHost, false);
    await closeAll([stranger, cohost2]);
  });
});

test('joins racing the passivation of an idle room are all admitted with its state', async () => {
  const settings = { 'storage.room_idle_seconds': 1 };
  await withServer({ ...base, settings }, async (server) => {
    const room = roomId('race');
    const first = await joined(server, room, 'Alice', { peerId: 'peer_alice' });
    first.send('chat-message', { message: 'kept' });
    await first.next('chat-message');
    await first.close();
    // Join just before, at and just after the 1 s idle deadline.
    for (const delay of [900, 1000, 1050, 1100, 1200]) {
      await new Promise((r) => setTimeout(r, delay));
      const c = await joined(server, room, 'Alice', { peerId: 'peer_alice', resumeToken: first.resumeToken });
      assert.deepEqual(c.joined.history.map((m) => m.message), ['kept'], `after ${delay} ms`);
      assert.equal(c.joined.peers.isHost, true);
      await c.close();
    }
  });
});

/// Runs the binary to completion: {code, stdout, stderr}.
function run(args, timeoutMs = 10000) {
  const p = spawn(roomcastBin(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d) => (stdout += d));
  p.stderr.on('data', (d) => (stderr += d));
  return withTimeout(new Promise((resolve) => p.on('exit', (code) => resolve({ code, stdout, stderr }))), timeoutMs,
    `roomcast ${args.join(' ')} did not exit`).catch((e) => {
    p.kill('SIGKILL');
    throw e;
  });
}

test('the command line: --version, and bad flags or settings exit 2 with a message', async () => {
  const v = await run(['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /roomcast/);
  for (const args of [
    ['--no-such-flag'],
    ['--set', 'nope.key=1'],
    ['--set', 'server.max_frame_bytes=abc'],
    ['--set', 'conference.room_capacity=0'],
    ['--set', 'server.heartbeat_interval_ms=500', '--set', 'server.heartbeat_timeout_ms=400'],
    ['--set', 'missing-equals'],
    ['--config', '/nonexistent/roomcast.toml'],
  ]) {
    const r = await run(['--listen', '127.0.0.1:0', '--data-dir', '/nonexistent/never-created', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')} -> ${r.code} ${r.stderr}`);
    assert.ok(r.stderr.trim().length > 0, `${args.join(' ')} explains itself`);
    assert.doesNotMatch(r.stdout, /listening on/);
  }
});
