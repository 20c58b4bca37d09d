// The admin console in headless Chromium against the real roomcast binary:
// log in with an admin token, watch a room's member count change live as
// clients join, open the room's detail, close the room (its clients get
// 1000), with screenshots checked to be non-blank.
//
// Needs what meeting.test.mjs needs (ROOMCAST_BIN, Debian's chromium,
// playwright-core). ROOMCAST_SCREENSHOT=path also saves the console's
// screenshot there (the README's is made this way).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];
const STEP_MS = 15000;
const secret = 'browser-admin-secret';
const b64 = (x) => Buffer.from(JSON.stringify(x)).toString('base64url');
function sign(claims) {
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

async function startRoomcast(dataDir) {
  const bin = process.env.ROOMCAST_BIN;
  assert.ok(bin, 'ROOMCAST_BIN is not set: point it at the built roomcast binary');
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ROOMCAST_') && k !== 'JWT_SECRET'));
  env.SPDLOG_LEVEL ??= 'warn';
  const proc = spawn(bin, ['--listen', '127.0.0.1:0', '--data-dir', dataDir, '--jwt-secret', secret],
    { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let err = '';
  proc.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`roomcast did not print its listening line\n${err}`)), 10000);
    proc.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    exited.then(({ code }) => { clearTimeout(timer); reject(new Error(`roomcast exited (${code})\n${err}`)); });
  });
  return { proc, port, exited, log: () => out + err };
}

/// A screenshot that shows something: a PNG of real size whose bytes vary.
function assertNotBlank(file) {
  const size = statSync(file).size;
  assert.ok(size > 15000, `${file} is ${size} bytes: blank?`);
}

test('the admin console: login, live member count, detail, close room', { timeout: 120000 }, async () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'roomcast-admin-browser-'));
  let server = null;
  let browser = null;
  let keep = false;
  const logs = [];
  try {
    server = await startRoomcast(path.join(tmp, 'data'));
    const base = `http://127.0.0.1:${server.port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30000 });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on('console', (m) => logs.push(`[console.${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`[pageerror] ${e.stack || e}`));

    // Not logged in: the login form.
    await page.goto(`${base}/admin`);
    await page.locator('#login').waitFor({ state: 'visible', timeout: STEP_MS });
    await page.fill('#token', sign({ sub: 'ops-browser', role: 'admin', exp: Math.floor(Date.now() / 1000) + 600 }));
    await page.click('#login-form button[type=submit]');
    await page.locator('#console').waitFor({ state: 'visible', timeout: STEP_MS });
    await page.waitForFunction(() => window.roomcastAdmin.updates >= 2, undefined, { timeout: STEP_MS });
    const cookies = await context.cookies();
    assert.ok(cookies.some((c) => c.name === 'roomcast_admin' && c.httpOnly && c.sameSite === 'Strict'));

    // Clients join a room from another page (plain WebSockets of the conference dialect).
    const clients = await context.newPage();
    await clients.goto(`${base}/`);
    const join = (name) => clients.evaluate(([url, name]) => new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      (window.sockets ??= []).push(ws);
      ws.onclose = (e) => (window.closes ??= []).push(e.code);
      ws.onopen = () => ws.send(JSON.stringify({ event: 'join', data: { username: name } }));
      ws.onmessage = (e) => { if (JSON.parse(e.data).event === 'peers') resolve(); };
      ws.onerror = () => reject(new Error('socket error'));
    }), [`ws://127.0.0.1:${server.port}/room/live-room/websocket`, name]);

    await page.fill('#kind', 'conference');
    await page.click('#actor-search button[type=submit]');
    await join('Ann');
    const members = page.locator('#actors tr[data-key="conference/live-room"] td.members');
    await members.filter({ hasText: /^1$/ }).waitFor({ timeout: STEP_MS });
    await join('Bob');
    await members.filter({ hasText: /^2$/ }).waitFor({ timeout: STEP_MS }); // live, without a reload

    // The room's detail, refreshed live.
    await page.click('#actors tr[data-key="conference/live-room"] button');
    await page.waitForFunction(() => window.roomcastAdmin.detail?.members?.length === 2, undefined, { timeout: STEP_MS });
    assert.match(await page.locator('#detail').textContent(), /"username": "Bob"/);
    await page.waitForFunction(() => window.roomcastAdmin.history.conn.at(-1) === 2, undefined, { timeout: STEP_MS });
    const shot1 = path.join(tmp, 'admin-console.png');
    await page.screenshot({ path: shot1, fullPage: true });
    assertNotBlank(shot1);
    if (process.env.ROOMCAST_SCREENSHOT)
      copyFileSync(shot1, process.env.ROOMCAST_SCREENSHOT);

    // A newcomer's path: the landing page links to the example meeting, served
    // by the node itself, which connects back to the same origin.
    const guest = await context.newPage();
    guest.on('pageerror', (e) => logs.push(`[guest pageerror] ${e.stack || e}`));
    await guest.goto(`${base}/`);
    await guest.click('a[href="/examples/conference/index.html?room=demo"]');
    await guest.waitForURL(/examples\/conference\/index\.html\?room=demo/);
    assert.equal(await guest.inputValue('#server'), `ws://127.0.0.1:${server.port}`);
    await guest.fill('#name', 'Guest');
    await guest.click('#join-btn');
    await guest.waitForFunction(() => window.roomcastState?.joined === true, undefined, { timeout: STEP_MS });
    await page.fill('#kind', '');
    await page.click('#actor-search button[type=submit]');
    await page.locator('#actors tr[data-key="conference/demo"] td.members').filter({ hasText: /^1$/ }).waitFor({ timeout: STEP_MS });

    // Close the room: confirm(), then both clients get 1000.
    page.once('dialog', (d) => d.accept());
    await page.click('#close-room');
    await clients.waitForFunction(() => (window.closes ?? []).length === 2, undefined, { timeout: STEP_MS });
    assert.deepEqual(await clients.evaluate(() => window.closes), [1000, 1000]);
    await page.waitForFunction(() => window.roomcastAdmin.closed === 'conference/live-room', undefined, { timeout: STEP_MS });
    const shot2 = path.join(tmp, 'admin-closed.png');
    await page.screenshot({ path: shot2, fullPage: true });
    assertNotBlank(shot2);
    assert.ok(!logs.some((l) => l.startsWith('[pageerror]')), logs.join('\n'));
  } catch (err) {
    keep = true;
    err.message += `\n(kept in ${tmp})\n${logs.join('\n')}\n${server?.log() ?? ''}`;
    throw err;
  } finally {
    await browser?.close().catch(() => {});
    if (server) {
      server.proc.kill('SIGTERM');
      const { code } = await server.exited;
      if (!keep)
        assert.equal(code, 0, server.log());
    }
    if (!keep)
      rmSync(tmp, { recursive: true, force: true });
  }
});
