// Two tabs of examples/signaling/index.html (opened from file://) in headless
// Chromium against the real roomcast binary: both join one room over /ws,
// the offer/answer/ICE exchange goes through the server, and the two
// RTCPeerConnections reach `connected`. Then one leaves and the other sees it.
//
// Needs: ROOMCAST_BIN (ctest sets it), Debian's chromium (/usr/bin/chromium, or
// CHROMIUM_BIN), and `npm ci` in this folder (playwright-core).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const PAGE = pathToFileURL(path.resolve(here, '..', '..', 'examples', 'signaling', 'index.html')).href;
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const STEP_MS = 15000;
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
];

async function startRoomcast(dataDir) {
  const bin = process.env.ROOMCAST_BIN;
  assert.ok(bin, 'ROOMCAST_BIN is not set');
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
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`roomcast exited before listening (code ${code}, signal ${signal})\n${err}`));
    });
  });
  return { proc, port, exited, log: () => out + err };
}

/// Waits until `fn(window.signalingState, arg)` is truthy in the page; returns its value.
async function until(page, what, fn, arg) {
  try {
    const expr = `(() => { const s = window.signalingState; return !!s && (${fn})(s, ${JSON.stringify(arg ?? null)}); })()`;
    const handle = await page.waitForFunction(expr, undefined, { timeout: STEP_MS, polling: 50 });
    return handle.jsonValue();
  } catch (err) {
    const state = await page.evaluate(() => window.signalingState).catch(() => null);
    throw new Error(`${page.label}: ${what} not reached: ${err.message.split('\n')[0]}\nstate: ${JSON.stringify(state)}`);
  }
}

test('two tabs connect over WebRTC signalled through /ws', { timeout: 120000 }, async () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'roomcast-browser-sig-'));
  const logs = [];
  let server = null;
  let browser = null;
  const pages = [];
  let keep = false;
  try {
    server = await startRoomcast(path.join(tmp, 'data'));
    const ws = `ws://127.0.0.1:${server.port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30000 });
    const open = async (peer, name) => {
      const context = await browser.newContext({ viewport: { width: 900, height: 600 } });
      const page = await context.newPage();
      page.label = peer;
      page.on('console', (m) => logs.push(`[${peer} console.${m.type()}] ${m.text()}`));
      page.on('pageerror', (e) => logs.push(`[${peer} pageerror] ${e.stack || e}`));
      pages.push(page);
      const q = new URLSearchParams({ server: ws, room: 'call', peer, name, autojoin: '1', ice: 'none' });
      await page.goto(`${PAGE}?${q}`);
      return page;
    };

    const alice = await open('alice', 'Alice <A>');
    await until(alice, 'Alice joined', (s) => s.joined);
    const bob = await open('bob', 'Bob');
    const b = await until(bob, 'Bob joined and sees Alice', (s) => s.joined && s.peers.includes('alice') && s);
    assert.equal(b.names.alice, 'Alice &lt;A&gt;', 'display names arrive HTML-escaped');
    await until(alice, 'Alice sees Bob', (s) => s.peers.includes('bob'));

    await until(alice, 'Alice ↔ Bob connected', (s) => s.connections.bob === 'connected');
    await until(bob, 'Bob ↔ Alice connected', (s) => s.connections.alice === 'connected');
    await bob.waitForFunction(() => {
      const v = document.querySelector('.tile[data-peer="alice"] video');
      return v && v.readyState >= 2 && v.videoWidth > 0;
    }, undefined, { timeout: STEP_MS, polling: 100 });

    // Media state from Alice reaches Bob.
    await alice.check('#mute');
    await until(bob, 'Bob sees Alice muted', (s) => s.media.alice && s.media.alice.audio === false);

    // Bob leaves; Alice drops the connection.
    await bob.click('#btn-leave');
    await until(alice, 'Alice sees Bob leave', (s) => !s.peers.includes('bob') && !('bob' in s.connections));
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
