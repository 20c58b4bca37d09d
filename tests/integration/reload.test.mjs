// SIGHUP reloads the settings: the config file and the environment are read
// again (flags still win), every change is logged old -> new, and the live
// ones (connection limits, rate limits, the log level) hold at once for the
// connections already open, without a restart.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { withServer, withTimeout, configPath } from './lib/server.mjs';
import { RawSocket, RawWebSocket, joinFrame } from './lib/raw.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/// tests/configs/integration.toml with `server` lines added to its [server] section.
function configText(serverLines) {
  const shared = readFileSync(configPath('integration.toml'), 'utf8')
    .replace(/^rate_limit_(per_second|burst) = .*$/gm, '');
  return shared.replace('[server]\n', `[server]\n${serverLines.join('\n')}\n`);
}

/// Waits until the server's stderr matches `re` (after `from` characters).
async function logged(server, re, from = 0, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!re.test(server.stderr.slice(from))) {
    if (Date.now() > deadline)
      assert.fail(`no log line ${re} within ${timeoutMs} ms; stderr:\n${server.stderr.slice(from)}`);
    await sleep(20);
  }
}

/// 20 unknown events at once: how many came back RATE_LIMITED and UNKNOWN_EVENT.
async function flood(ws) {
  ws.unread.length = 0;
  for (let i = 0; i < 20; ++i)
    ws.send('nope', {});
  await sleep(300);
  const codes = ws.unread.filter((f) => f.opcode === 1).map((f) => JSON.parse(f.payload.toString()).data.code);
  ws.unread.length = 0;
  return {
    limited: codes.filter((c) => c === 'RATE_LIMITED').length,
    unknown: codes.filter((c) => c === 'UNKNOWN_EVENT').length,
  };
}

/// A fresh plain GET on its own connection: its status, or 'refused' if the socket closed unanswered.
async function probe(port) {
  const raw = await RawSocket.connect(port);
  try {
    raw.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    return (await raw.readHttpHead()).status;
  } finally {
    raw.destroy();
  }
}

test('SIGHUP applies changed limits and the log level live, logs each change, and keeps open connections', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'roomcast-reload-'));
  const config = path.join(dir, 'roomcast.toml');
  writeFileSync(config, configText([
    'log_level = "warn"',
    'max_connections_per_ip = 1000',
    'rate_limit_per_second = 100000.0',
    'rate_limit_burst = 100000.0',
  ]));
  try {
    // SPDLOG_LEVEL would win over server.log_level: this server goes without it.
    await withServer({ config, env: { SPDLOG_LEVEL: undefined } }, async (server) => {
      const first = await RawWebSocket.open(server.port, '/room/reload/websocket', { first: [joinFrame('Ada')] });
      await first.nextEvent('peers');
      assert.deepEqual(await flood(first), { limited: 0, unknown: 20 });
      assert.doesNotMatch(server.stderr, / joined \(/, 'debug lines are off at warn');

      writeFileSync(config, configText([
        'log_level = "debug"',
        'max_connections_per_ip = 2',
        'rate_limit_per_second = 1.0',
        'rate_limit_burst = 2.0',
        'request_timeout_ms = 20000',
      ]));
      const mark = server.stderr.length;
      server.proc.kill('SIGHUP');
      await logged(server, /SIGHUP: settings reloaded: 4 applied, 1 need a restart/, mark);
      const log = server.stderr.slice(mark);
      assert.match(log, /setting server\.max_connections_per_ip: 1000 → 2 \(applied\)/);
      assert.match(log, /setting server\.rate_limit_per_second: 100000 → 1 \(applied\)/);
      assert.match(log, /setting server\.rate_limit_burst: 100000 → 2 \(applied\)/);
      assert.match(log, /setting server\.log_level: "warn" → "debug" \(applied\)/);
      assert.match(log, /setting server\.request_timeout_ms: 30000 → 20000 \(needs a restart\)/);

      // The open connection stayed, and its rate limit is the new one.
      const { limited, unknown } = await flood(first);
      assert.ok(limited >= 1, `${limited} RATE_LIMITED after the reload`);
      assert.ok(unknown <= 3, `${unknown} events let through with burst 2`);

      // max_connections_per_ip = 2: one more fits (the first is open), the next is refused.
      const second = await RawWebSocket.open(server.port, '/room/reload/websocket', { first: [joinFrame('Bob')] });
      await second.nextEvent('peers');
      assert.equal(await probe(server.port), 503);
      // ... and debug lines show now.
      await logged(server, / joined \(2 members\)/, mark);

      // A config that does not load changes nothing and says why.
      writeFileSync(config, '[server]\nmax_connections_per_ip = "many"\n');
      const mark2 = server.stderr.length;
      server.proc.kill('SIGHUP');
      await logged(server, /settings not reloaded.*max_connections_per_ip/, mark2);
      assert.equal(await probe(server.port), 503, 'the reloaded limit still holds');
      first.send('nope', {});
      await sleep(1100); // the bucket refills: the first connection still talks
      first.unread.length = 0;
      first.send('nope', {});
      assert.equal((await first.nextEvent('error')).data.code, 'UNKNOWN_EVENT');
      first.destroy();
      second.destroy();
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
