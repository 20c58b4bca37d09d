// Starts and stops the real roomcast binary for integration tests.
//
// The binary comes from ROOMCAST_BIN (set by ctest). Every server gets a fresh
// temporary data directory unless one is given, listens on 127.0.0.1:0 and is
// ready once it prints `listening on 127.0.0.1:PORT`.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const here = path.dirname(fileURLToPath(import.meta.url));

/// tests/configs/NAME
export function configPath(name) {
  return path.resolve(here, '..', '..', 'configs', name);
}

export function roomcastBin() {
  const bin = process.env.ROOMCAST_BIN;
  if (!bin)
    throw new Error('ROOMCAST_BIN is not set: point it at the built roomcast binary');
  return bin;
}

/// `{ 'server.heartbeat_interval_ms': 200 }` -> ['--set', 'server.heartbeat_interval_ms=200']
function setFlags(settings) {
  return Object.entries(settings ?? {}).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
}

/// Environment variables the server reads as settings (config/settings.cpp
/// and the contracts' names).
const SETTING_VARIABLES = new Set(['NODE_ENV', 'WS_HEARTBEAT_INTERVAL', 'JWT_SECRET', 'STUN_URLS', 'TURN_URL',
  'TURN_USERNAME', 'TURN_CREDENTIAL', 'CLIENT_URL', 'FRONTEND_URL', 'WS_NAMESPACE', 'WS_ENABLE_METRICS',
  'WS_ENABLE_HEARTBEAT']);

/// The test's environment minus anything the server would read as a
/// setting: a test states its settings explicitly (`extra`).
function childEnv(extra = {}) {
  const env = Object.fromEntries(Object.entries(process.env)
    .filter(([k]) => !k.startsWith('ROOMCAST_') && !SETTING_VARIABLES.has(k)));
  env.SPDLOG_LEVEL = process.env.SPDLOG_LEVEL ?? 'warn';
  return { ...env, ...extra };
}

export class Server {
  /// options: settings ({key: value} for --set), config (a file in tests/configs
  /// or an absolute path), args (extra flags), env (extra environment),
  /// dataDir (reuse), startTimeoutMs.
  constructor(options = {}) {
    this.options = { ...options };
    this.dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'roomcast-it-'));
    this.ownsDataDir = !options.dataDir;
    this.proc = null;
    this.port = 0;
    this.stderr = '';
    this.exited = null; // Promise<{code, signal}>
    this.restarts = [];
  }

  get url() {
    return `ws://127.0.0.1:${this.port}`;
  }

  get httpUrl() {
    return `http://127.0.0.1:${this.port}`;
  }

  roomUrl(roomId) {
    return `${this.url}/room/${roomId}/websocket`;
  }

  args() {
    const o = this.options;
    const args = ['--listen', '127.0.0.1:0', '--data-dir', this.dataDir];
    if (o.config)
      args.push('--config', path.isAbsolute(o.config) ? o.config : configPath(o.config));
    args.push(...setFlags(o.settings), ...(o.args ?? []));
    return args;
  }

  /// Spawns the binary and resolves once it printed its listening line.
  async start() {
    assert.equal(this.proc, null, 'server already running');
    const proc = spawn(roomcastBin(), this.args(), {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: childEnv(this.options.env),
    });
    this.proc = proc;
    this.stderr = '';
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (d) => {
      this.stderr += d;
      if (process.env.RC_IT_VERBOSE)
        process.stderr.write(d);
    });
    this.exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
    const timeoutMs = this.options.startTimeoutMs ?? 10000;
    this.port = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => {
        reject(new Error(`roomcast did not print its listening line within ${timeoutMs} ms\n${this.stderr}`));
      }, timeoutMs);
      proc.stdout.setEncoding('utf8');
      proc.stdout.on('data', (d) => {
        out += d;
        this.stdout = out; // what the server printed (e.g. its admin console address)
        const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      proc.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      this.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`roomcast exited before listening (code ${code}, signal ${signal})\n${this.stderr}`));
      });
    });
    return this;
  }

  /// Sends SIGTERM (or `signal`) and waits for the exit; asserts a clean exit (code 0)
  /// unless `expectCode` says otherwise. Returns {code, signal}.
  async stop({ expectCode = 0, timeoutMs = 15000, signal = 'SIGTERM' } = {}) {
    if (!this.proc)
      return null;
    const proc = this.proc;
    proc.kill(signal);
    const result = await withTimeout(this.exited, timeoutMs, `roomcast did not exit after ${signal}`);
    this.proc = null;
    if (expectCode !== null)
      assert.deepEqual(result, { code: expectCode, signal: null },
        `roomcast exit after ${signal}\n${this.stderr.slice(-4000)}`);
    return result;
  }

  /// kill -9: no snapshot, no goodbye.
  async kill9() {
    if (!this.proc)
      return null;
    const proc = this.proc;
    proc.kill('SIGKILL');
    const result = await withTimeout(this.exited, 10000, 'roomcast did not die after SIGKILL');
    this.proc = null;
    return result;
  }

  /// A new server process on the same data directory and settings (the
  /// caller stops or kills this one first).
  async restart(overrides = {}) {
    assert.equal(this.proc, null, 'stop or kill the server before restarting it');
    const next = new Server({ ...this.options, ...overrides, dataDir: this.dataDir });
    // The first server keeps the data directory; disposing of it disposes of
    // every restart first.
    this.restarts.push(next);
    return next.start();
  }

  /// Stops the process if still running (without asserting) and removes the
  /// data directory it created. Safe to call twice.
  async dispose() {
    for (const r of this.restarts.splice(0).reverse())
      await r.dispose();
    if (this.proc) {
      this.proc.kill('SIGKILL');
      await this.exited;
      this.proc = null;
    }
    if (this.ownsDataDir && !process.env.RC_IT_KEEP_DATA) {
      rmSync(this.dataDir, { recursive: true, force: true });
      this.ownsDataDir = false;
    }
  }
}

/// Starts a server; see Server for the options.
export async function startServer(options = {}) {
  const s = new Server(options);
  try {
    return await s.start();
  } catch (err) {
    await s.dispose();
    throw err;
  }
}

/// Runs `fn(server)` against a fresh server, then stops whatever server
/// process is still running with SIGTERM and asserts it exits 0; always cleans
/// up (processes, restarts, the data directory).
export async function withServer(options, fn) {
  const server = await startServer(options);
  try {
    const result = await fn(server);
    for (const s of [...server.restarts, server])
      if (s.proc)
        await s.stop();
    return result;
  } finally {
    await server.dispose();
  }
}

export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} (timeout ${ms} ms)`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/// A plain HTTP request: resolves {status, headers, body}.
export async function httpGet(server, pathname, headers = {}) {
  const res = await fetch(`${server.httpUrl}${pathname}`, { headers });
  return { status: res.status, headers: res.headers, body: await res.text() };
}
