// auth.jwt_issuer, auth.jwt_audience and auth.jwt_leeway_seconds hold on the
// wire, the same for every dialect and the admin API: one policy, checked in
// one place.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';

import { withServer, httpGet } from './lib/server.mjs';
import { Client, closeAll, roomId } from './lib/client.mjs';
import { SignalingClient } from './lib/signaling_client.mjs';
import { chatSocket, connected } from './lib/chat.mjs';

const secret = 'claims-secret';
const options = {
  config: 'integration.toml',
  args: ['--jwt-secret', secret],
  settings: { 'auth.jwt_issuer': 'https://auth.example', 'auth.jwt_audience': 'roomcast', 'auth.jwt_leeway_seconds': 60 },
};

const b64 = (x) => Buffer.from(JSON.stringify(x)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

function sign(claims) {
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ iss: 'https://auth.example', aud: 'roomcast', exp: now() + 300, ...claims })}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

const right = (extra = {}) => sign({ sub: 'u1', name: 'Ada', role: 'admin', ...extra });
const wrong = {
  'another issuer': right({ iss: 'https://evil.example' }),
  'no issuer': right({ iss: undefined }),
  'another audience': right({ aud: 'billing' }),
  'an audience list without ours': right({ aud: ['billing', 'search'] }),
  'expired beyond the leeway': right({ exp: now() - 120 }),
  'not valid for another two minutes': right({ nbf: now() + 120 }),
};
const accepted = {
  'the right issuer and audience': right(),
  'an audience list with ours': right({ aud: ['billing', 'roomcast'] }),
  'expired within the leeway': right({ exp: now() - 30 }),
};

async function conferenceJoin(server, token) {
  const c = await new Client(`${server.roomUrl(roomId('claims'))}?token=${encodeURIComponent(token)}`, 'c').open();
  try {
    const j = await c.join('Payload');
    return j.peers.participants[0].username;
  } catch (err) {
    return err.code;
  } finally {
    await closeAll([c]);
  }
}

async function chatConnect(server, token) {
  const s = chatSocket(server, { token, transports: ['websocket'] });
  try {
    await connected(s, 3000);
    return 'connected';
  } catch (err) {
    return 'refused';
  } finally {
    s.close();
  }
}

async function signalingUpgrade(server, token) {
  const c = new SignalingClient(`${server.url}/ws?token=${encodeURIComponent(token)}`, 'sig');
  try {
    await c.open();
    c.ws.close();
    return 'open';
  } catch (err) {
    return err.statusCode ?? err.message;
  }
}

async function adminStatus(server, token) {
  return (await httpGet(server, '/admin/api/overview', { authorization: `Bearer ${token}` })).status;
}

test('tokens for another issuer or audience, or outside the leeway, are refused by every dialect and the admin API', async () => {
  await withServer(options, async (server) => {
    for (const [what, token] of Object.entries(accepted)) {
      assert.equal(await conferenceJoin(server, token), 'Ada', `conference: ${what}`);
      assert.equal(await chatConnect(server, token), 'connected', `chatrooms: ${what}`);
      assert.equal(await signalingUpgrade(server, token), 'open', `signaling: ${what}`);
      assert.equal(await adminStatus(server, token), 200, `admin API: ${what}`);
    }
    for (const [what, token] of Object.entries(wrong)) {
      assert.equal(await conferenceJoin(server, token), 'UNAUTHORIZED', `conference: ${what}`);
      assert.equal(await chatConnect(server, token), 'refused', `chatrooms: ${what}`);
      assert.equal(await signalingUpgrade(server, token), 401, `signaling: ${what}`);
      assert.equal(await adminStatus(server, token), 401, `admin API: ${what}`);
    }
  });
});
