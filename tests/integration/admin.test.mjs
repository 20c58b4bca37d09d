// The admin console's API, /metrics, the landing page and `roomcast admin`
// against the real binary, with real WebSocket clients of the conference dialect.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

import { withServer, roomcastBin } from './lib/server.mjs';
import { connect, joined, closeAll, roomId } from './lib/client.mjs';
import { sign as chatSign, chatSocket, connected, next as chatNext, ask as chatAsk, chatRoomId } from './lib/chat.mjs';
import { shopClient } from './lib/shop_client.mjs';

const run = promisify(execFile);
const secret = 'admin-integration-secret';
// info: the operator's actions are logged at info level, and the tests read them.
const base = { config: 'integration.toml', args: ['--jwt-secret', secret], env: { SPDLOG_LEVEL: 'info' } };
const b64 = (x) => Buffer.from(JSON.stringify(x)).toString('base64url');
function sign(claims, key = secret) {
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`;
}
const soon = () => Math.floor(Date.now() / 1000) + 300;
const adminToken = sign({ sub: 'ops-1', name: 'Ops', role: 'admin', exp: soon() });
const auth = { Authorization: `Bearer ${adminToken}` };

async function api(server, path, { method = 'GET', headers = auth, body } = {}) {
  const res = await fetch(`${server.httpUrl}${path}`, { method, headers, body });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, text, json };
}

async function eventually(what, fn, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last)
      return last;
    if (Date.now() > deadline)
      throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('refusals: no token 401, bad token 401, non-admin 403, no jwt_secret 403', async () => {
  await withServer(base, async (server) => {
    let r = await api(server, '/admin/api/overview', { headers: {} });
    assert.equal(r.status, 401);
    assert.match(r.json.error, /admin token is required/);
    r = await api(server, '/admin/api/overview', { headers: { Authorization: `Bearer ${sign({ sub: 'x', role: 'admin', exp: soon() }, 'wrong')}` } });
    assert.equal(r.status, 401);
    r = await api(server, '/admin/api/overview', { headers: { Authorization: `Bearer ${sign({ sub: 'x', role: 'moderator', exp: soon() })}` } });
    assert.equal(r.status, 403);
    r = await api(server, '/admin/api/connections/1/kick', { method: 'POST', headers: {} });
    assert.equal(r.status, 401);
  });
  await withServer({ config: 'integration.toml' }, async (server) => {
    const r = await api(server, '/admin/api/overview');
    assert.equal(r.status, 403);
    assert.match(r.json.error, /auth\.jwt_secret/);
  });
  await withServer({ ...base, args: [...base.args, '--env', 'production'] }, async (server) => {
    assert.equal((await api(server, '/admin/api/overview')).status, 404, 'no console in production by default');
  });
});

test('login sets an HttpOnly cookie that the API accepts; logout clears it', async () => {
  await withServer(base, async (server) => {
    const bad = await api(server, '/admin/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token: 'nope' }) });
    assert.equal(bad.status, 401);
    const r = await api(server, '/admin/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token: adminToken }) });
    assert.equal(r.status, 200);
    const cookie = r.headers.get('set-cookie');
    assert.match(cookie, /^roomcast_admin=/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.match(cookie, /Path=\/admin/);
    const o = await api(server, '/admin/api/overview', { headers: { Cookie: cookie.split(';')[0] } });
    assert.equal(o.status, 200);
    assert.ok(!o.text.includes(secret), 'the secret never appears');
    const out = await api(server, '/admin/logout', { method: 'POST' });
    assert.match(out.headers.get('set-cookie'), /Max-Age=0/);
    const form = await fetch(`${server.httpUrl}/admin/login`, { method: 'POST', redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `token=${adminToken}` });
    assert.equal(form.status, 303);
  });
});

test('overview numbers move when clients join; actors list and detail; the room closes', async () => {
  await withServer(base, async (server) => {
    const before = (await api(server, '/admin/api/overview')).json;
    assert.equal(before.connections, 0);
    assert.equal(before.actorsByKind.conference, 0);
    assert.ok(before.persistence && typeof before.persistence.commits === 'number');
    assert.ok(before.process.rssBytes > 0);
    assert.ok(before.node && before.version);

    const room = roomId('adm');
    const a = await joined(server, room, 'Ann');
    const b = await joined(server, room, 'Bob');
    const other = await joined(server, roomId('zzz'), 'Zed');
    for (let i = 0; i < 5; ++i)
      a.send('chat-message', { message: `hi ${i}` });
    await b.next('chat-message', { where: (d) => /hi 4/.test(JSON.stringify(d)) });

    const after = await eventually('overview moved', async () => {
      const o = (await api(server, '/admin/api/overview')).json;
      return o.connections === 3 && o.actorsByKind.conference === 2 && o.messagesIn >= 8 && o.deliveriesOut > before.deliveriesOut && o;
    });
    assert.ok(after.bytesIn > 0 && after.bytesOut > 0);
    await eventually('a rate shows', async () => (await api(server, '/admin/api/overview')).json.messagesInPerSecond > 0);

    let list = (await api(server, '/admin/api/actors?kind=conference&sort=members')).json;
    assert.equal(list.total, 2);
    assert.deepEqual(list.items.map((i) => [i.id, i.memberCount]), [[room, 2], [other.url.split('/')[4], 1]]);
    list = (await api(server, '/admin/api/actors?prefix=adm&limit=1')).json;
    assert.equal(list.total, 1);
    assert.equal(list.items[0].id, room);
    assert.equal((await api(server, '/admin/api/actors?limit=0')).status, 400);

    const detail = await api(server, `/admin/api/actors/conference/${room}`);
    assert.equal(detail.status, 200);
    assert.equal(detail.json.kind, 'conference');
    assert.equal(detail.json.id, room);
    assert.deepEqual(detail.json.members.map((m) => m.username).sort(), ['Ann', 'Bob']);
    assert.ok(!/resumeToken|token/i.test(detail.text), 'no tokens in describe output');
    assert.equal((await api(server, '/admin/api/actors/conference/no-such-room')).status, 404);

    const closed = await api(server, `/admin/api/actors/conference/${room}/close`, { method: 'POST' });
    assert.equal(closed.status, 200);
    const [ca, cb] = await Promise.all([a.waitClose(5000), b.waitClose(5000)]);
    assert.equal(ca.code, 1000);
    assert.equal(cb.code, 1000);
    assert.equal(ca.reason, 'closed by an operator');
    assert.match(server.stderr, /admin ops-1: closed room conference\//);
    await closeAll([other]);
  });
});

test('connections are listed with their path and can be kicked with 4000', async () => {
  await withServer(base, async (server) => {
    const room = roomId('kick');
    const a = await joined(server, room, 'Ann');
    const b = await connect(server, room, 'lobby');
    const list = await eventually('two connections', async () => {
      const l = (await api(server, '/admin/api/connections')).json;
      return l.items.length === 2 && l;
    });
    for (const c of list.items) {
      assert.equal(c.path, `/room/${room}/websocket`);
      assert.equal(c.remote, '127.0.0.1');
      assert.equal(typeof c.sendQueueBytes, 'number');
      assert.ok(c.ageMs >= 0);
    }
    // Identity and memberships as the connection actor describes them: the
    // joined client has its peerId and room, the other is still in the lobby.
    const joinedRow = list.items.find((c) => c.client?.state === 'joined');
    assert.ok(joinedRow, `a joined connection is described: ${JSON.stringify(list.items)}`);
    assert.equal(joinedRow.client.peerId, a.peerId);
    assert.equal(joinedRow.client.roomId, room);
    assert.equal(joinedRow.client.dialect, 'conference');
    assert.ok(list.items.some((c) => c.client === null), 'a client in the lobby has not been described yet');
    const first = list.items[0];
    const one = await api(server, `/admin/api/connections/${first.id}`);
    assert.equal(one.status, 200);
    assert.equal(one.json.id, first.id);
    const kick = await api(server, `/admin/api/connections/${first.id}/kick`, { method: 'POST' });
    assert.equal(kick.status, 200);
    const closed = await a.waitClose(5000);
    assert.equal(closed.code, 4000);
    assert.match(server.stderr, new RegExp(`admin ops-1: kicked connection ${first.id}`));
    await eventually('the kicked one is gone', async () => (await api(server, '/admin/api/connections')).json.items.length === 1);
    assert.equal((await api(server, `/admin/api/connections/${first.id}/kick`, { method: 'POST' })).status, 404);
    await closeAll([b]);
  });
});

test('the event stream delivers the overview at least twice; a stream left open does not hold up SIGTERM', async () => {
  await withServer(base, async (server) => {
    const ctl = new AbortController();
    const res = await fetch(`${server.httpUrl}/admin/api/events`, { headers: auth, signal: ctl.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /text\/event-stream/);
    const reader = res.body.getReader();
    let text = '';
    const events = [];
    while (events.length < 2) {
      const { value, done } = await reader.read();
      assert.ok(!done, 'the stream ended early');
      text += Buffer.from(value).toString();
      let i;
      while ((i = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, i);
        text = text.slice(i + 2);
        const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        if (/^event: overview/m.test(block))
          events.push(JSON.parse(data));
      }
    }
    assert.ok(events[1].uptimeSeconds > events[0].uptimeSeconds);
    ctl.abort();
    // One left open: SIGTERM (withServer's stop) still exits 0, promptly.
    const open = await fetch(`${server.httpUrl}/admin/api/events`, { headers: auth });
    const openReader = open.body.getReader();
    await openReader.read();
    openReader.closed.catch(() => {});
    const denied = await fetch(`${server.httpUrl}/admin/api/events`);
    assert.equal(denied.status, 401);
    await denied.text();
  });
});

test('/metrics passes promtool and counts traffic', async () => {
  await withServer(base, async (server) => {
    const c = await joined(server, roomId('m'), 'Mo');
    const res = await fetch(`${server.httpUrl}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}`);
    assert.match(text, /^roomcast_messages_in_total [1-9]/m);
    assert.match(text, /^roomcast_connections_open 1$/m);
    assert.match(text, /^roomcast_actors\{kind="conference"\} 1$/m);
    assert.match(text, /^roomcast_persistence_commits_total \d+/m);
    // The join's host change was committed: the latency histogram counts it.
    assert.match(text, /^roomcast_persistence_commit_duration_seconds_count [1-9]/m);
    assert.match(text, /^roomcast_persistence_commit_duration_seconds_bucket\{le="\+Inf"\} [1-9]/m);
    await closeAll([c]);
  });
});

test('the landing page lists the routes; examples are served from the binary', async () => {
  await withServer(base, async (server) => {
    const home = await fetch(`${server.httpUrl}/`);
    assert.equal(home.status, 200);
    assert.match(home.headers.get('content-security-policy'), /default-src 'self'/);
    const html = await home.text();
    for (const s of ['/room/:roomId/websocket', '/admin', '/healthz', '/metrics', '/examples/conference/index.html?room=demo'])
      assert.ok(html.includes(s), `landing page mentions ${s}`);
    const page = await fetch(`${server.httpUrl}/examples/conference/index.html?room=demo`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<script src="app.js">/);
    const js = await fetch(`${server.httpUrl}/examples/conference/app.js`);
    assert.match(js.headers.get('content-type'), /javascript/);
    assert.match(await js.text(), /location\.host/);
    const index = await (await fetch(`${server.httpUrl}/examples/`)).text();
    assert.ok(index.includes('conference/index.html'));
    const consolePage = await fetch(`${server.httpUrl}/admin`);
    assert.equal(consolePage.headers.get('content-security-policy'), "default-src 'self'; style-src 'self'; script-src 'self'");
    assert.equal(consolePage.headers.get('x-content-type-options'), 'nosniff');
    await consolePage.text();
  });
});

test('roomcast admin prints the overview, actors and connections', async () => {
  await withServer(base, async (server) => {
    const room = roomId('cli');
    const c = await joined(server, room, 'Cleo');
    const cli = (...args) => run(roomcastBin(), ['admin', '--url', server.httpUrl, '--token', adminToken, ...args]);
    let { stdout } = await cli('overview');
    assert.match(stdout, /^connections\s+1$/m);
    assert.match(stdout, /^actors\.conference\s+1$/m);
    ({ stdout } = await cli('--json', 'overview'));
    assert.equal(JSON.parse(stdout).connections, 1);
    ({ stdout } = await cli('actors', '--kind', 'conference'));
    assert.match(stdout, new RegExp(`conference\\s+${room}\\s+1`));
    ({ stdout } = await cli('describe', `conference/${room}`));
    assert.equal(JSON.parse(stdout).id, room);
    ({ stdout } = await cli('connections'));
    assert.ok(stdout.includes(`/room/${room}/websocket`));
    await assert.rejects(run(roomcastBin(), ['admin', '--url', server.httpUrl, 'overview']), (err) => err.code === 1 && /HTTP 401/.test(err.stderr));
    ({ stdout } = await cli('notice', `conference/${room}`, 'Back in a minute'));
    assert.equal((await c.next('chat-message')).message, 'Back in a minute');
    ({ stdout } = await cli('close', `conference/${room}`));
    assert.equal((await c.waitClose(5000)).code, 1000);
  });
});

test('admin.listen puts the console and /metrics on an address of their own', async () => {
  await withServer({ ...base, settings: { 'admin.listen': '127.0.0.1:0' } }, async (server) => {
    const m = /admin console on 127\.0\.0\.1:(\d+)/.exec(server.stdout ?? '');
    assert.ok(m, `the server prints the console's address: ${server.stdout}`);
    const ops = `http://127.0.0.1:${m[1]}`;
    const c = await joined(server, roomId('ops'), 'Olga');
    const overview = await fetch(`${ops}/admin/api/overview`, { headers: auth });
    assert.equal(overview.status, 200);
    assert.ok((await overview.json()).connections >= 1, 'the console sees the main port\'s clients');
    assert.equal((await fetch(`${ops}/metrics`)).status, 200);
    // The main port no longer serves them; its landing page stays.
    assert.equal((await fetch(`${server.httpUrl}/admin/api/overview`, { headers: auth })).status, 404);
    assert.equal((await fetch(`${server.httpUrl}/metrics`)).status, 404);
    assert.equal((await fetch(`${server.httpUrl}/`)).status, 200);
    await closeAll([c]);
  });
});

test('a server notice reaches each dialect in its chat shape; kinds without one answer 409; a chat room closes', async () => {
  await withServer(base, async (server) => {
    const notice = (path, message) => api(server, `/admin/api/actors/${path}/notice`, {
      method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ message }) });

    // conference: a chat-message from "Server", kept in the history
    const room = roomId('ntc');
    const a = await joined(server, room, 'Ann');
    const b = await joined(server, room, 'Bob');
    let r = await notice(`conference/${room}`, 'Maintenance at <b>noon</b>');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { sent: true, kind: 'conference', id: room });
    for (const c of [a, b]) {
      const m = await c.next('chat-message');
      assert.equal(m.username, 'Server');
      assert.equal(m.peerId, 'server');
      assert.equal(m.message, 'Maintenance at &lt;b&gt;noon&lt;/b&gt;');
    }
    assert.match(server.stderr, /admin ops-1: sent a notice \(\d+ bytes\) to conference\//);
    const late = await connect(server, room);
    await assert.rejects(late.join('Late', { peerId: 'server' }), /reserved for server notices/,
      'nobody joins as the notice sender');
    assert.equal((await notice(`conference/${room}`, '   ')).status, 400);
    assert.equal((await notice(`conference/${room}`, 'x'.repeat(2001))).status, 400);
    assert.equal((await api(server, `/admin/api/actors/conference/${room}/notice`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{"message": 5}' })).status, 400);
    assert.equal((await notice('conference/no-such-room', 'hi')).status, 404);
    assert.equal((await api(server, `/admin/api/actors/conference/${room}/notice`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"message":"x"}' })).status, 401);

    // chatrooms: receiveMessage from the system author; the user actor has no notice
    const chatToken = chatSign({ sub: 'ntc-alice', name: 'Alice' }, secret);
    const s = await connected(chatSocket(server, { token: chatToken }));
    const chatRoom = chatRoomId('ntc');
    await chatAsk(s, 'joinRoom', { roomId: chatRoom });
    const by = await eventually('connections by dialect', async () => {
      const o = (await api(server, '/admin/api/overview')).json;
      return o.connectionsByDialect.chatrooms && o.connectionsByDialect;
    });
    assert.equal(by.conference.websocket, 2, 'Ann and Bob; the refused join is still pending');
    const sio = Object.entries(by.chatrooms);
    assert.equal(sio.length, 1);
    assert.match(sio[0][0], /^socket\.io\/(polling|websocket)$/);
    assert.equal(sio[0][1], 1, 'a Socket.IO client is one connection whatever carries it');
    r = await notice(`chatroom/${chatRoom}`, 'Welcome');
    assert.equal(r.status, 200, r.text);
    const got = await chatNext(s, 'receiveMessage', { since: 0 });
    assert.deepEqual(got.author, { id: 'system', username: 'Server' });
    assert.equal(got.content, 'Welcome');
    assert.equal(got.roomId, chatRoom);
    r = await notice('chatlobby/main', 'hi');
    assert.equal(r.status, 409, r.text);
    assert.match(r.json.error, /has no server notice/);

    // closing a chat room: members get an error event and may join again
    r = await api(server, `/admin/api/actors/chatroom/${chatRoom}/close`, { method: 'POST' });
    assert.equal(r.status, 200, r.text);
    const err = await chatNext(s, 'error', { since: 0 });
    assert.equal(err.statusCode, 410);
    assert.match(err.message, /closed by an operator/);
    assert.equal(s.connected, true, 'the Socket.IO connection stays');
    const again = await chatAsk(s, 'joinRoom', { roomId: chatRoom });
    assert.equal(again.success, true);
    r = await api(server, `/admin/api/actors/chatlobby/main/close`, { method: 'POST' });
    assert.equal(r.status, 409, 'the lobby is not closed');
    s.disconnect();

    // shop: a chat_message from "Server" marked isAdmin
    const viewer = await shopClient(server, 'viewer', '/shop');
    await viewer.register('sess-ntc');
    r = await notice('shop_stream/default', 'Live in 5 minutes');
    assert.equal(r.status, 200, r.text);
    const sm = await viewer.next('chat_message', { since: 0 });
    assert.equal(sm.username, 'Server');
    assert.equal(sm.isAdmin, true);
    assert.equal(sm.message, 'Live in 5 minutes');
    const metrics = (await api(server, '/metrics')).text;
    assert.match(metrics, /^roomcast_client_errors_total\{[^}]*code="UNAUTHORIZED",dialect="conference"[^}]*\} 1$/m, 'the refused join is counted');
    assert.match(metrics, /^roomcast_connections\{dialect="shop",transport="websocket"\} 1$/m);
    viewer.ws.close();
    await closeAll([a, b, late]);
  });
});
