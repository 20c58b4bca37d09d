// The shop example in headless Chromium: examples/shop/admin.html (the admin
// desk) broadcasts Chromium's fake camera to examples/shop/viewer.html (a
// customer) through the shop's broadcast WebRTC signaling on ws://HOST/, and
// the customer's video element plays it. Also: the live stream started from
// the desk, a like, stream chat both ways, a support round trip, SIGTERM.
//
// Needs: ROOMCAST_BIN (ctest sets it), Debian's chromium (/usr/bin/chromium, or
// CHROMIUM_BIN), and `npm ci` in this folder (playwright-core; it downloads no browser).
// On failure, screenshots and page logs are kept in the test's temp directory.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
import { createHmac } from 'node:crypto';

const SHOP = path.resolve(here, '..', '..', 'examples', 'shop');
const ADMIN_PAGE = pathToFileURL(path.join(SHOP, 'admin.html')).href;
const VIEWER_PAGE = pathToFileURL(path.join(SHOP, 'viewer.html')).href;
const SECRET = 'browser-shop-secret';
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const STEP_MS = 15000; // per step; generous for a loaded CI machine
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
];

/// Starts roomcast on a free port; resolves {proc, port, exited, log()}.
async function startRoomcast(dataDir) {
  const bin = process.env.ROOMCAST_BIN;
  assert.ok(bin, 'ROOMCAST_BIN is not set: point it at the built roomcast binary');
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ROOMCAST_')));
  env.SPDLOG_LEVEL ??= 'warn';
  const proc = spawn(bin, ['--listen', '127.0.0.1:0', '--data-dir', dataDir, '--jwt-secret', SECRET],
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
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.on('error', (e) => { clearTimeout(timer); reject(e); });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`roomcast exited before listening (code ${code}, signal ${signal})\n${err}`));
    });
  });
  return { proc, port, exited, log: () => out + err };
}

function timeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} (timeout ${ms} ms)`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

/// Waits until `fn(window.shopState, arg)` is truthy in the page; returns its value.
async function until(page, what, fn, arg) {
  try {
    const expr = `(() => { const s = window.shopState; return !!s && (${fn})(s, ${JSON.stringify(arg ?? null)}); })()`;
    const handle = await page.waitForFunction(expr, undefined, { timeout: STEP_MS, polling: 50 });
    return handle.jsonValue();
  } catch (err) {
    const state = await page.evaluate(() => window.shopState).catch(() => null);
    throw new Error(`${page.label}: ${what} not reached: ${err.message.split('\n')[0]}\nstate: ${JSON.stringify(state)}`);
  }
}


const b64 = (x) => Buffer.from(JSON.stringify(x)).toString('base64url');
function adminToken() {
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'admin-1', name: 'Desk', role: 'admin', exp: Math.floor(Date.now() / 1000) + 600 })}`;
  return `${head}.${createHmac('sha256', SECRET).update(head).digest('base64url')}`;
}

test('the admin desk streams its camera to a customer; likes, chat and support work from the pages', { timeout: 120000 }, async () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'roomcast-shop-browser-'));
  const dataDir = path.join(tmp, 'data');
  const logs = [];
  let server = null;
  let browser = null;
  const pages = [];
  let keep = false;
  let phase = 'session';
  try {
    server = await startRoomcast(dataDir);
    const ws = `ws://127.0.0.1:${server.port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30000 });
    const open = async (name, url, query) => {
      const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
      const page = await context.newPage();
      page.label = name;
      page.on('console', (m) => logs.push(`[${name} console.${m.type()}] ${m.text()}`));
      page.on('pageerror', (e) => logs.push(`[${name} pageerror] ${e.stack || e}`));
      pages.push(page);
      await page.goto(`${url}?${new URLSearchParams({ server: ws, ...query })}`);
      return page;
    };

    const desk = await open('Desk', ADMIN_PAGE, { token: adminToken() });
    await until(desk, 'the desk registered as admin', (s) => s.registered && s.identity === 'admin-1');
    const viewer = await open('Carol', VIEWER_PAGE, { session: 'sess-carol', name: 'Carol' });
    await until(viewer, 'the customer registered', (s) => s.registered);

    // The desk starts the stream; the customer sees it live.
    await desk.fill('#stream-title', 'Spring <launch>');
    await desk.click('#start');
    await until(viewer, 'the stream is live at the customer', (s) => s.stream.isActive && s.stream.title === 'Spring <launch>');
    assert.equal(await viewer.locator('#title').textContent(), 'Spring <launch>');
    await until(desk, 'the desk counts one viewer', (s) => s.stream.viewerCount === 1);

    // The fake camera, broadcast through the signaling, plays at the customer.
    await desk.click('#broadcast');
    await until(viewer, 'the broadcaster is announced', (s) => !!s.broadcaster);
    await until(viewer, 'the broadcast video plays at the customer', (s) => s.videoPlaying);
    const size = await viewer.evaluate(() => [document.getElementById('video').videoWidth, document.getElementById('video').videoHeight]);
    assert.ok(size[0] > 0 && size[1] > 0, `video has frames: ${size}`);
    const t0 = await viewer.evaluate(() => document.getElementById('video').currentTime);
    await viewer.waitForFunction((t) => document.getElementById('video').currentTime > t, t0, { timeout: STEP_MS });

    // A like, and chat both ways (the server escapes; the page shows the text).
    await viewer.click('#like');
    await until(desk, 'the like reaches the desk', (s) => s.stream.likes === 1 && s.stream.likedBy.includes('sess-carol'));
    await viewer.fill('#chat-text', 'Is it <vegan> & cruelty-free?');
    await viewer.click('#chat-form button');
    await until(desk, 'the customer chat at the desk', (s) => s.chat.some((m) => m.username === 'Carol' && !m.isAdmin));
    assert.match(await desk.locator('#chat').textContent(), /Is it <vegan> & cruelty-free\?/);
    await desk.fill('#chat-text', 'Yes it is!');
    await desk.click('#chat-form button');
    await until(viewer, 'the admin chat at the customer', (s) => s.chat.some((m) => m.isAdmin && m.message === 'Yes it is!'));

    // Support: the customer asks, the desk answers.
    await viewer.fill('#support-text', 'Where is order 42?');
    await viewer.click('#support-form button');
    await until(desk, 'the support question at the desk', (s) => s.support.some((m) => m.sessionId === 'sess-carol'));
    await desk.fill('#support-text', 'Shipped today');
    await desk.click('#support-form button');
    await until(viewer, 'the staff reply at the customer', (s) => s.support.some((m) => m.message === 'Shipped today'));
    assert.deepEqual(logs.filter((l) => l.includes('pageerror')), []);

    phase = 'shutdown';
    server.proc.kill('SIGTERM');
    const exit = await timeout(server.exited, 15000, 'roomcast did not exit after SIGTERM');
    const log = server.log();
    server = null;
    assert.deepEqual(exit, { code: 0, signal: null }, `roomcast exit after SIGTERM\n${log.slice(-4000)}`);
    assert.doesNotMatch(log, /unexpected message/);
  } catch (err) {
    if (phase === 'session') {
      keep = true;
      for (const [i, page] of pages.entries())
        await page.screenshot({ path: path.join(tmp, `failure-${i}-${page.label}.png`), fullPage: true }).catch(() => {});
      writeFileSync(path.join(tmp, 'pages.log'), `${logs.join('\n')}\n\nserver:\n${server?.log() ?? ''}`);
      err.message += `\n(screenshots and logs kept in ${tmp})`;
    }
    throw err;
  } finally {
    await browser?.close().catch(() => {});
    if (server) {
      server.proc.kill('SIGKILL');
      await server.exited;
    }
    rmSync(keep ? dataDir : tmp, { recursive: true, force: true });
  }
});
