// Heartbeat (tests/configs/heartbeat.toml: a ping every 200 ms, dropped after
// 600 ms of silence): dead clients are dropped, live ones stay.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { withServer } from './lib/server.mjs';
import { joined, closeAll, roomId } from './lib/client.mjs';
import { RawWebSocket, joinFrame, OP } from './lib/raw.mjs';

const base = { config: 'heartbeat.toml' };
const TIMEOUT_MS = 600;
const SLACK_MS = 700; // timer granularity and a loaded CI machine

test('a raw client that never answers pings is dropped within the timeout; the others get peer-left', async () => {
  await withServer(base, async (server) => {
    const room = roomId('silent');
    const a = await joined(server, room, 'Alice');
    // Handshake and join in one write, by hand; afterwards it only listens.
    const raw = await RawWebSocket.open(server.port, `/room/${room}/websocket`, { first: [joinFrame('Silent', 'peer_silent')] });
    const lastSent = Date.now();
    const peers = await raw.nextEvent('peers');
    assert.equal(peers.data.yourId, 'peer_silent');
    await a.next('peer-joined', { where: (d) => d.peerId === 'peer_silent' });

    const left = await a.next('peer-left', { where: (d) => d.peerId === 'peer_silent', timeout: TIMEOUT_MS + SLACK_MS + 1000 });
    const after = Date.now() - lastSent;
    assert.deepEqual(left, { peerId: 'peer_silent' });
    assert.ok(after >= TIMEOUT_MS - 50, `dropped after ${after} ms: not before the timeout`);
    assert.ok(after <= TIMEOUT_MS + SLACK_MS, `dropped after ${after} ms: within the timeout`);
    assert.ok(raw.pings >= 1, `the server pinged (${raw.pings} pings seen)`);
    await raw.raw.waitEnd(1000);
    await closeAll([a]);
  });
});

test('a client that has not joined is dropped too', async () => {
  await withServer(base, async (server) => {
    const raw = await RawWebSocket.open(server.port, `/room/${roomId('lobby')}/websocket`);
    const start = Date.now();
    await raw.raw.waitEnd(TIMEOUT_MS + SLACK_MS + 1000);
    const after = Date.now() - start;
    assert.ok(after >= TIMEOUT_MS - 50 && after <= TIMEOUT_MS + SLACK_MS, `dropped after ${after} ms`);
  });
});

test('clients that answer pings stay connected well past the timeout', async () => {
  await withServer(base, async (server) => {
    const room = roomId('alive');
    const a = await joined(server, room, 'Alice'); // `ws` answers pings by itself
    const b = await joined(server, room, 'Bob');
    const raw = await RawWebSocket.open(server.port, `/room/${room}/websocket`,
      { first: [joinFrame('Ponger', 'peer_ponger')], answerPings: true });
    await raw.nextEvent('peers');
    await a.next('peer-joined', { where: (d) => d.peerId === 'peer_ponger' });

    // Three timeouts of silence apart from pongs: nobody is dropped. (Waiting
    // is the test: there is no event for "still connected".)
    await new Promise((r) => setTimeout(r, 3 * TIMEOUT_MS));
    assert.equal(a.closeInfo, null);
    assert.equal(b.closeInfo, null);
    assert.equal(raw.raw.isClosed, false);
    assert.ok(raw.pings >= 3, `pings seen by the raw client: ${raw.pings}`);
    assert.deepEqual(a.all('peer-left'), []);

    b.send('chat-message', { message: 'still here' });
    assert.equal((await a.next('chat-message')).message, 'still here');
    const f = await raw.nextEvent('chat-message');
    assert.equal(f.data.message, 'still here');
    raw.sendFrame(OP.close, Buffer.from([0x03, 0xe8]));
    assert.equal((await raw.nextClose()).code, 1000, 'the close is echoed');
    await a.next('peer-left', { where: (d) => d.peerId === 'peer_ponger' });
    await closeAll([a, b]);
  });
});

test('WS_HEARTBEAT_INTERVAL from the environment sets the ping period; --set overrides it', async () => {
  const countPings = async (server) => {
    const raw = await RawWebSocket.open(server.port, `/room/${roomId('env')}/websocket`, { answerPings: true });
    await new Promise((r) => setTimeout(r, 1000)); // counting pings over a second is the test
    raw.destroy();
    return raw.pings;
  };
  const settings = { 'server.heartbeat_timeout_ms': 10000 };
  await withServer({ settings, env: { WS_HEARTBEAT_INTERVAL: '100' } }, async (server) => {
    const n = await countPings(server);
    assert.ok(n >= 6 && n <= 11, `${n} pings in 1 s at a 100 ms period`);
  });
  await withServer({ settings: { ...settings, 'server.heartbeat_interval_ms': 400 }, env: { WS_HEARTBEAT_INTERVAL: '100' } },
    async (server) => {
      const n = await countPings(server);
      assert.ok(n >= 1 && n <= 3, `${n} pings in 1 s at a 400 ms period (the flag wins)`);
    });
});
