// The chatrooms example page (examples/chatrooms/index.html, opened from
// file://, with the vendored socket.io-client) in headless Chromium against
// the real roomcast binary: two users log in by token, join a room, see each
// other online, type, exchange escaped text, leave; then a clean SIGTERM.
//
// Needs: ROOMCAST_BIN (ctest sets it), Debian's chromium (/usr/bin/chromium, or
// CHROMIUM_BIN), and `npm ci` in this folder (playwright-core).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const PAGE = pathToFileURL(path.resolve(here, '..', '..', 'examples', 'chatrooms', 'index.html')).href;
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const SECRET = 'browser-chat-secret';
const STEP_MS = 15000;
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function sign(sub, name) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, name, exp: Math.floor(Date.now() / 1000) + 3600 })}`;
  return `${head}.${createHmac('sha256', SECRET).update(head).digest('base64url')}`;
}

async function startRoomcast(dataDir) {
  const bin = process.env.ROOMCAST_BIN;
  assert.ok(bin, 'ROOMCAST_BIN is not set');
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ROOMCAST_')));
  env.SPDLOG_LEVEL ??= 'warn';
  const proc = spawn(bin, ['--listen', '127.0.0.1:0', '--data-dir', dataDir, '--jwt-secret', SECRET,
    '--set', 'chatrooms.presence_grace_ms=200', '--set', 'chatrooms.typing_timeout_ms=3000'],
  { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let err = '';
  proc.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`roomcast did not start\n${err}`)), 10000);
    proc.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    exited.then(() => { clearTimeout(timer); reject(new Error(`roomcast exited\n${err}`)); });
  });
  return { proc, port, exited, log: () => out + err };
}

async function until(page, what, fn, arg) {
  try {
    const expr = `(() => { const s = window.chatState; return !!s && (${fn})(s, ${JSON.stringify(arg ?? null)}); })()`;
    const handle = await page.waitForFunction(expr, undefined, { timeout: STEP_MS, polling: 50 });
    return handle.jsonValue();
  } catch (err) {
    const state = await page.evaluate(() => window.chatState).catch(() => null);
    throw new Error(`${page.label}: ${what} not reached: ${err.message.split('\n')[0]}\nstate: ${JSON.stringify(state)}`);
  }
}

test('two users chat in the example page: presence, typing, escaped messages, leave', { timeout: 120000 }, async () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'roomcast-chat-browser-'));
  const logs = [];
  let server = null;
  let browser = null;
  const pages = [];
  let keep = false;
  try {
    server = await startRoomcast(path.join(tmp, 'data'));
    const http = `http://127.0.0.1:${server.port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30000 });
    const open = async (userId, name) => {
      const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
      const page = await context.newPage();
      page.label = name;
      page.on('console', (m) => logs.push(`[${name} console.${m.type()}] ${m.text()}`));
      page.on('pageerror', (e) => logs.push(`[${name} pageerror] ${e.stack || e}`));
      pages.push(page);
      await page.goto(`${PAGE}?${new URLSearchParams({ server: http, token: sign(userId, name), room: 'lobby' })}`);
      return page;
    };

    const bob = await open('bob', 'Bob');
    await until(bob, 'Bob in the lobby', (s) => s.connected && s.current === 'lobby');
    const alice = await open('alice', 'Alice');
    await until(alice, 'Alice in the lobby', (s) => s.connected && s.current === 'lobby');
    await until(bob, 'Bob sees Alice online', (s) => s.online.some((u) => u.userId === 'alice'));
    await until(bob, 'Bob sees Alice in the room', (s) => s.rooms.lobby.users.some((u) => u.userId === 'alice'));
    // The default client upgrades from polling to WebSocket.
    await until(alice, 'Alice upgraded to WebSocket', (s) => s.transport === 'websocket');

    // Alice types: Bob sees the indicator.
    await alice.locator('#text').pressSequentially('Hi <b>Bob</b> & co', { delay: 10 });
    await until(bob, 'Bob sees Alice typing', (s) => 'alice' in s.rooms.lobby.typing);
    assert.match(await bob.locator('#typing').textContent(), /Alice is typing/);
    await alice.click('#send-btn');
    await until(bob, 'Bob got the message', (s) => s.rooms.lobby.messages.some((m) => m.author.id === 'alice'));
    // Shown as text: the server escaped it, the page inserted it as HTML.
    assert.match(await bob.locator('#messages').textContent(), /Hi <b>Bob<\/b> & co/);
    assert.equal(await bob.locator('#messages b').count(), 0, 'no markup got through');
    await until(bob, 'the indicator ended with the message', (s) => !('alice' in s.rooms.lobby.typing));

    // Bob answers; Alice sees it.
    await bob.fill('#text', 'Hello Alice');
    await bob.press('#text', 'Enter');
    await until(alice, 'Alice got the answer', (s) => s.rooms.lobby.messages.some((m) => m.content === 'Hello Alice'));

    // A third tab of Alice reloads the history over REST.
    const alice2 = await open('alice', 'Alice');
    await until(alice2, 'history loaded', (s) => s.rooms.lobby && s.rooms.lobby.messages.length >= 2);

    // Alice leaves the room in one tab, then closes both: Bob sees her go offline.
    await alice.click('#leave-btn');
    await until(alice, 'Alice left', (s) => !('lobby' in s.rooms));
    await alice.context().close();
    await alice2.context().close();
    await until(bob, 'Bob sees Alice offline', (s) => !s.online.some((u) => u.userId === 'alice'));
    await until(bob, 'Bob sees Alice leave the room', (s) => !s.rooms.lobby.users.some((u) => u.userId === 'alice'));
    assert.deepEqual(logs.filter((l) => l.includes('pageerror')), []);

    server.proc.kill('SIGTERM');
    const exit = await server.exited;
    const log = server.log();
    server = null;
    assert.deepEqual(exit, { code: 0, signal: null }, `roomcast exit after SIGTERM\n${log.slice(-4000)}`);
    assert.doesNotMatch(log, /unexpected message/);
  } catch (err) {
    keep = true;
    for (const [i, page] of pages.entries())
      await page.screenshot({ path: path.join(tmp, `failure-${i}-${page.label}.png`), fullPage: true }).catch(() => {});
    writeFileSync(path.join(tmp, 'pages.log'), `${logs.join('\n')}\n\nserver:\n${server?.log() ?? ''}`);
    err.message += `\n(screenshots and logs kept in ${tmp})`;
    throw err;
  } finally {
    await browser?.close().catch(() => {});
    if (server) {
      server.proc.kill('SIGKILL');
      await server.exited;
    }
    if (!keep)
      rmSync(tmp, { recursive: true, force: true });
  }
});
