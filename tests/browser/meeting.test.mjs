// A whole meeting in headless Chromium: two tabs of examples/conference/index.html
// (opened from file://) against the real roomcast binary. Covers joining, the
// WebRTC connection between the tabs (signalled through the server), chat,
// locking the room, a reaction, a raised hand, the host removing a participant,
// and a clean SIGTERM exit.
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
const PAGE = pathToFileURL(path.resolve(here, '..', '..', 'examples', 'conference', 'index.html')).href;
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
  const proc = spawn(bin, ['--listen', '127.0.0.1:0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'], env });
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

/// Waits until `fn(window.roomcastState, arg)` is truthy in the page; returns its value.
async function until(page, what, fn, arg) {
  try {
    const expr = `(() => { const s = window.roomcastState; return !!s && (${fn})(s, ${JSON.stringify(arg ?? null)}); })()`;
    const handle = await page.waitForFunction(expr, undefined, { timeout: STEP_MS, polling: 50 });
    return handle.jsonValue();
  } catch (err) {
    const state = await page.evaluate(() => window.roomcastState).catch(() => null);
    throw new Error(`${page.label}: ${what} not reached: ${err.message.split('\n')[0]}\nstate: ${JSON.stringify(state)}`);
  }
}

test('a two-tab meeting: media, chat, lock, reaction, hand, kick', { timeout: 120000 }, async (t) => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'roomcast-browser-'));
  const dataDir = path.join(tmp, 'data');
  const logs = [];
  let server = null;
  let browser = null;
  const pages = [];
  let keep = false;
  let phase = 'meeting';
  try {
    server = await startRoomcast(dataDir);
    const ws = `ws://127.0.0.1:${server.port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30000 });

    const open = async (name) => {
      // One context per tab: separate storage, like two people.
      const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
      const page = await context.newPage();
      page.label = name;
      page.on('console', (m) => logs.push(`[${name} console.${m.type()}] ${m.text()}`));
      page.on('pageerror', (e) => logs.push(`[${name} pageerror] ${e.stack || e}`));
      pages.push(page);
      const q = new URLSearchParams({ server: ws, room: 'r1', name, autojoin: '1' });
      await page.goto(`${PAGE}?${q}`);
      return page;
    };

    // Alice opens the room first and becomes its host.
    const alice = await open('Alice');
    const a = await until(alice, 'Alice joined as host', (s) => s.joined && s.isHost && s);
    assert.equal(a.media, 'camera', 'the fake camera and microphone are used');

    // Bob joins; each sees the other, by id and by name.
    const bob = await open('Bob');
    const b = await until(bob, 'Bob joined and sees Alice', (s, aliceId) => s.joined && s.peers.includes(aliceId) && s, a.peerId);
    assert.equal(b.isHost, false);
    assert.equal(b.participants.find((p) => p.peerId === a.peerId).username, 'Alice');
    await until(alice, 'Alice sees Bob', (s, bobId) => s.participants.some((p) => p.peerId === bobId && p.username === 'Bob'), b.peerId);
    assert.match(await alice.locator(`#videos .tile[data-peer="${b.peerId}"] .label`).textContent(), /Bob/);

    // The WebRTC connection between them, signalled through roomcast.
    await until(alice, 'Alice ↔ Bob connected', (s, id) => s.connections[id] === 'connected', b.peerId);
    await until(bob, 'Bob ↔ Alice connected', (s, id) => s.connections[id] === 'connected', a.peerId);
    // And Alice's fake camera actually plays in Bob's tile for her.
    await bob.waitForFunction((id) => {
      const v = document.querySelector(`#videos .tile[data-peer="${id}"] video`);
      return v && v.readyState >= 2 && v.videoWidth > 0;
    }, a.peerId, { timeout: STEP_MS, polling: 100 });

    // Chat from Bob shows in Alice's tab (text that the server HTML-escapes).
    const text = 'Hello from Bob <3 & "friends"';
    await bob.fill('#chat-input', text);
    await bob.click('#chat-send');
    await until(alice, 'Bob’s chat message at Alice', (s, [t, id]) => s.chat.some((m) => m.message === t && m.peerId === id), [text, b.peerId]);
    assert.match(await alice.locator('#chat-list').textContent(), /Hello from Bob <3 & "friends"/);

    // The host locks the room; Bob sees it.
    assert.equal(await alice.isVisible('#host-controls'), true, 'the host sees host controls');
    assert.equal(await bob.isVisible('#host-controls'), false, 'a participant does not');
    await alice.click('#btn-lock');
    await until(bob, 'Bob sees the room locked', (s) => s.roomLocked);
    assert.equal(await bob.isVisible('#lock-badge'), true);

    // A reaction from Bob reaches Alice.
    await bob.click('#reactions button[data-emoji="🎉"]');
    await until(alice, 'Bob’s reaction at Alice', (s, id) => s.reactions.some((r) => r.peerId === id && r.emoji === '🎉'), b.peerId);

    // Bob raises his hand; Alice sees it.
    await bob.click('#btn-hand');
    await until(alice, 'Bob’s raised hand at Alice', (s, id) => s.raisedHands.includes(id), b.peerId);
    await until(bob, 'Bob’s own hand state', (s) => s.handRaised);
    assert.match(await alice.locator(`#participants li[data-peer="${b.peerId}"]`).textContent(), /✋/);

    // The host removes Bob (two clicks); Bob is told, Alice sees him leave.
    const remove = alice.locator(`#participants li[data-peer="${b.peerId}"] button[data-action="kick"]`);
    await remove.click();
    await remove.click();
    await until(bob, 'Bob removed', (s) => s.kicked && !s.joined);
    assert.equal(await bob.isVisible('#removed-banner'), true);
    assert.match(await bob.locator('#removed-text').textContent(), /removed/i);
    await until(alice, 'Bob gone at Alice', (s, id) => !s.peers.includes(id) && !(id in s.connections), b.peerId);
    assert.deepEqual(logs.filter((l) => l.includes('pageerror')), []);

    // SIGTERM: the server snapshots, says goodbye and exits 0.
    phase = 'shutdown';
    server.proc.kill('SIGTERM');
    const exit = await timeout(server.exited, 15000, 'roomcast did not exit after SIGTERM');
    const log = server.log();
    server = null;
    assert.deepEqual(exit, { code: 0, signal: null }, `roomcast exit after SIGTERM\n${log.slice(-4000)}`);
    // An actor that met a message it has no handler for means a lost reply.
    assert.doesNotMatch(log, /unexpected message/);
  } catch (err) {
    if (phase === 'meeting') {
      // Keep what shows why: a screenshot of each tab, the pages' console, the server's log.
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
