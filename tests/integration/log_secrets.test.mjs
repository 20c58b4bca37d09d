// Secrets and tokens never reach the logs: the JWT secret, TURN secrets,
// and tokens clients send on the URL (?token=), in Socket.IO auth, in
// Authorization headers and admin logins, good or bad, at the most verbose
// log level, through a settings reload and a shutdown.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { withServer, configPath } from './lib/server.mjs';
import { RawSocket, RawWebSocket, joinFrame } from './lib/raw.mjs';
import { chatSocket, connected } from './lib/chat.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const SECRET = 'jwt-secret-NEVER-LOGGED-4f1c';
const NEW_SECRET = 'jwt-secret-ROTATED-NEVER-LOGGED-9d2e';
const TURN_SECRET = 'turn-secret-NEVER-LOGGED-77aa';

function sign(claims, key) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ exp: Math.floor(Date.now() / 1000) + 3600, ...claims })}`;
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`;
}

/// One request on its own connection; resolves the status.
async function request(port, text) {
  const raw = await RawSocket.connect(port);
  try {
    raw.write(text);
    return (await raw.readHttpHead()).status;
  } catch {
    return 0;
  } finally {
    raw.destroy();
  }
}

test('no secret and no token appears in stdout or stderr', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'roomcast-secrets-'));
  const config = path.join(dir, 'roomcast.toml');
  const base = readFileSync(configPath('integration.toml'), 'utf8');
  const withSecrets = (secret) => `${base}\n[auth]\njwt_secret = "${secret}"\n\n[signaling]\nturn_secret = "${TURN_SECRET}"\n`;
  writeFileSync(config, withSecrets(SECRET));
  const good = sign({ sub: 'u-good', name: 'Good' }, SECRET);
  const admin = sign({ sub: 'ops', role: 'admin' }, SECRET);
  const forged = sign({ sub: 'u-forged', role: 'admin' }, 'an-attackers-key-NEVER-LOGGED');
  const garbage = 'garbage-token-NEVER-LOGGED.abc.def';
  const expired = sign({ sub: 'u-old', exp: 1000 }, SECRET);
  const tokens = [good, admin, forged, garbage, expired];
  try {
    await withServer({ config, env: { SPDLOG_LEVEL: 'trace' } }, async (server) => {
      // Conference: a token on the URL, good and bad, and in the join.
      for (const t of tokens) {
        const ws = await RawWebSocket.open(server.port, `/room/secrets/websocket?token=${encodeURIComponent(t)}`,
          { first: [joinFrame('Ada')] });
        await ws.nextFrame(() => true).catch(() => {});
        ws.send('join', { username: 'Ada', token: t });
        await sleep(20);
        ws.destroy();
      }
      // Signaling: ?token= on the upgrade.
      for (const t of tokens)
        await request(server.port, `GET /ws?token=${encodeURIComponent(t)} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n`
          + `Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
      // Socket.IO: auth.token and ?token=.
      for (const t of tokens) {
        const s = chatSocket(server, { token: t, transports: ['websocket'] });
        await connected(s, 3000).catch(() => {});
        s.close();
        const q = chatSocket(server, { query: { token: t } });
        await connected(q, 3000).catch(() => {});
        q.close();
      }
      // REST and the admin console: bearer headers, cookies, a login form.
      for (const t of tokens) {
        for (const p of ['/api/rooms', '/admin/api/overview', '/api/stream/start'])
          await request(server.port, `GET ${p}?token=${encodeURIComponent(t)} HTTP/1.1\r\nHost: x\r\n`
            + `Authorization: Bearer ${t}\r\nCookie: roomcast_admin=${t}\r\nConnection: close\r\n\r\n`);
        const body = `token=${encodeURIComponent(t)}`;
        await request(server.port, `POST /admin/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n`
          + `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
      }
      // A reload that rotates the secret says so without the values.
      writeFileSync(config, withSecrets(NEW_SECRET));
      const mark = server.stderr.length;
      server.proc.kill('SIGHUP');
      for (let i = 0; i < 100 && !/SIGHUP: settings reloaded/.test(server.stderr.slice(mark)); ++i)
        await sleep(20);
      assert.match(server.stderr.slice(mark), /setting auth\.jwt_secret changed \(value hidden\): needs a restart/);
      await server.stop();
      const output = `${server.stdout ?? ''}\n${server.stderr}`;
      assert.ok(output.length > 200, 'the server did log (trace level)');
      for (const secret of [SECRET, NEW_SECRET, TURN_SECRET, 'NEVER-LOGGED'])
        assert.ok(!output.includes(secret), `a secret in the log: ${secret}`);
      for (const t of tokens) {
        const signature = t.split('.').pop();
        assert.ok(!output.includes(t) && !output.includes(encodeURIComponent(t)), `a token in the log: ${t}`);
        assert.ok(signature.length < 8 || !output.includes(signature), `a token signature in the log: ${signature}`);
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
