// Token authentication on the wire: HS256 JWTs signed the way a client's own
// auth service would, presented on the URL or in `join`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';

import { withServer } from './lib/server.mjs';
import { Client, connect, closeAll, roomId } from './lib/client.mjs';

const secret = 'integration-secret';
const base = { config: 'integration.toml', args: ['--jwt-secret', secret] };

const b64 = (x) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');

function sign(claims, { key = secret, alg = 'HS256' } = {}) {
  const head = `${b64({ alg, typ: 'JWT' })}.${b64(claims)}`;
  if (alg === 'none')
    return `${head}.`;
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`;
}

const soon = () => Math.floor(Date.now() / 1000) + 300;

async function withToken(server, room, token, name) {
  return new Client(`${server.roomUrl(room)}?token=${encodeURIComponent(token)}`, name).open();
}

test('a URL token names the user and a moderator role acts as host', async () => {
  await withServer(base, async (server) => {
    const room = roomId('jwt');
    const host = await connect(server, room, 'host');
    await host.join('Host');
    const mod = await withToken(server, room, sign({ sub: 'u42', name: 'Grace', role: 'moderator', exp: soon() }), 'mod');
    const j = await mod.join('Mallory'); // the payload's name loses to the token's
    assert.equal(j.peers.participants.find((p) => p.peerId === j.peers.yourId).username, 'Grace');
    assert.equal(j.peers.isHost, false);
    mod.send('room-locked');
    await host.next('room-locked');
    await closeAll([host, mod]);
  });
});

test('a token in join works like one on the URL', async () => {
  await withServer(base, async (server) => {
    const c = await connect(server, roomId('jwt-join'), 'c');
    c.send('join', { username: 'x', token: sign({ sub: 'u1', name: 'Linus', exp: soon() }) });
    const peers = await c.next('peers');
    assert.equal(peers.participants[0].username, 'Linus');
    await closeAll([c]);
  });
});

test('forged, unsigned and expired tokens are refused and the connection keeps working', async () => {
  await withServer(base, async (server) => {
    const room = roomId('jwt-bad');
    const bad = [
      sign({ sub: 'u1', exp: soon() }, { key: 'not-the-secret' }),
      sign({ sub: 'u1', exp: soon() }, { alg: 'none' }),
      sign({ sub: 'u1', exp: Math.floor(Date.now() / 1000) - 10 }),
      'not.a.jwt',
    ];
    for (const token of bad) {
      const c = await withToken(server, room, token, 'bad');
      const err = await c.joinRefused('Eve');
      assert.equal(err.code, 'UNAUTHORIZED');
      assert.equal(err.event, 'join');
      // The same socket may still join with a good token in the payload.
      c.send('join', { username: 'Eve', token: sign({ sub: 'u9', name: 'Eve', exp: soon() }) });
      await c.next('peers');
      await closeAll([c]);
    }
  });
});

test('require_token refuses anonymous joins', async () => {
  await withServer({ ...base, settings: { 'auth.require_token': 'true' } }, async (server) => {
    const room = roomId('jwt-required');
    const anon = await connect(server, room, 'anon');
    assert.equal((await anon.joinRefused('Anon')).code, 'UNAUTHORIZED');
    const ok = await withToken(server, room, sign({ sub: 'u1', name: 'Ada', exp: soon() }), 'ok');
    await ok.join('Ada');
    await closeAll([anon, ok]);
  });
});

test('without a secret a token is ignored and the join is anonymous', async () => {
  await withServer({ config: 'integration.toml' }, async (server) => {
    const c = await withToken(server, roomId('jwt-off'), 'whatever-another-system-issued', 'c');
    const j = await c.join('Plain');
    assert.equal(j.peers.participants[0].username, 'Plain');
    await closeAll([c]);
  });
});
