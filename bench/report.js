#!/usr/bin/env node
// Turns the JSON lines run.sh collected for one scenario into
// results/SCENARIO.md, a gnuplot script for results/SCENARIO.png, and the
// "ratio roomcast/PEER" lines run.sh prints at the end.
// Usage: node report.js SCENARIO RAW_FILE OUT_DIR WORK_DIR "COMMAND" "MACHINE"
'use strict';
const fs = require('fs');
const path = require('path');

const [scenario, rawFile, outDir, workDir, command, machine] = process.argv.slice(2);
// fanout-deflate is measured and reported as fanout; only its files are its own.
const kind = scenario.replace(/-deflate$/, '');
const lines = fs.readFileSync(rawFile, 'utf8').split('\n').filter((l) => l.trim());
const records = lines.map((l) => JSON.parse(l));

// Each scenario's headline (higher is better) and cost (lower is better).
const metrics = {
  fanout: { headline: 'deliveries_per_s', headlineName: 'deliveries/s', cost: 'cpu_us_per_delivery', costName: 'server CPU µs per delivery' },
  rooms: { headline: 'deliveries_per_s', headlineName: 'deliveries/s', cost: 'cpu_us_per_delivery', costName: 'server CPU µs per delivery' },
  durable: { headline: 'acked_per_s', headlineName: 'acknowledged messages/s', cost: 'cpu_us_per_delivery', costName: 'server CPU µs per delivery' },
  storm: { headline: 'connections_per_s', headlineName: 'connections/s (connect + upgrade + join, no errors)', cost: 'cpu_us_per_connection', costName: 'server CPU µs per connection' },
  shop: { headline: 'deliveries_per_s', headlineName: 'chat deliveries/s', cost: 'cpu_us_per_delivery', costName: 'server CPU µs per chat delivery' },
  idle: { headline: 'connections_per_s', headlineName: 'connections/s while joining', cost: 'cpu_us_per_connection', costName: 'server CPU µs per connection' },
}[kind];
if (!metrics) throw new Error(`unknown scenario ${scenario}`);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : undefined; // of two, the better
};
const fmt = (v, digits = 0) => {
  if (v === undefined || v === null || Number.isNaN(v) || v < 0) return 'n/a';
  return Number(v).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
};
const mib = (kib) => (kib > 0 ? fmt(kib / 1024, 1) : 'n/a');

// server+dialect -> runs; skipped notes and failures kept in order.
const groups = new Map();
const notes = [];
for (const r of records) {
  const key = `${r.server}|${r.dialect}`;
  if (r.skipped) {
    notes.push(`- ${r.server} (${r.dialect}): skipped — ${r.skipped}`);
    if (!groups.has(key)) groups.set(key, { server: r.server, dialect: r.dialect, runs: [], skipped: r.skipped });
    continue;
  }
  if (!groups.has(key)) groups.set(key, { server: r.server, dialect: r.dialect, runs: [] });
  const g = groups.get(key);
  if (r.error) {
    notes.push(`- ${r.server} (${r.dialect}), round ${r.round}: ${r.error}`);
    continue;
  }
  g.runs.push({ ...r.result, round: r.round, background_cpu: r.background_cpu });
  if (r.result.server_alive === false) notes.push(`- ${r.server} (${r.dialect}), round ${r.round}: the server exited during the run`);
  if (r.result.loadgen_bound) notes.push(`- ${r.server} (${r.dialect}), round ${r.round}: the load generator was at its CPU limit in the peak step`);
}

// The run whose headline is the median of the rounds represents its server.
for (const g of groups.values()) {
  if (!g.runs.length) continue;
  const m = median(g.runs.map((x) => x[metrics.headline] || 0));
  g.rep = g.runs.find((x) => (x[metrics.headline] || 0) === m);
  g.spread = g.runs.length > 1
    ? `${fmt(Math.min(...g.runs.map((x) => x[metrics.headline] || 0)))}–${fmt(Math.max(...g.runs.map((x) => x[metrics.headline] || 0)))}`
    : '';
}
const order = ['roomcast', 'ws', 'wsdeflate', 'shopws', 'socketio', 'limit'];
const rows = [...groups.values()].filter((g) => g.rep)
  .sort((a, b) => order.indexOf(a.server) - order.indexOf(b.server) || a.dialect.localeCompare(b.dialect));

// The highest step rate every server kept up with: latencies compared at the same load.
const messagingScenario = !['idle', 'storm'].includes(kind);
let commonRate;
if (messagingScenario && rows.length) {
  const okRates = rows.map((g) => new Set((g.rep.steps || []).filter((s) => s.ok).map((s) => s.rate)));
  const shared = [...okRates[0]].filter((r) => okRates.every((set) => set.has(r)));
  if (shared.length) commonRate = Math.max(...shared);
}
const atCommon = (r) => (r.steps || []).find((s) => s.rate === commonRate);

const serverName = {
  roomcast: 'roomcast',
  ws: 'ws (Node, conference.md example)',
  socketio: 'socket.io@4 (Node, /chat)',
  limit: 'limit_server (C++ ceiling)',
  shopws: 'ws (Node, shop.md server)',
};
const label = (g) => `${serverName[g.server] || g.server}`;

let md = `# Benchmark: ${scenario}\n\n`;
md += `Command: \`${command}\`  \nMachine: ${machine}  \n`;
md += `Each server was started fresh on 127.0.0.1 for each run; runs alternate between servers. `;
md += `Rounds per server: ${Math.max(0, ...rows.map((g) => g.runs.length))} (the row shows the median run by ${metrics.headlineName}).\n\n`;

const r0 = rows[0] && rows[0].rep;
const steps = r0 && `starts at ${fmt(r0.start_rate, r0.start_rate < 10 ? 1 : 0)} msgs/s and rises ×${fmt(r0.rate_factor, 1)} each step until a step falls behind (under 90 % of the expected deliveries, or errors); a step whose p99 exceeds ${fmt(r0.slo_ms)} ms does not count as sustained`;
const desc = {
  fanout: r0 && `One room of ${r0.connections} connections; one member sends at a rate that ${steps}. Every message goes to all members, the sender included.`,
  rooms: r0 && `${r0.connections} connections in rooms of ${r0.room_size}; every member sends at a per-member rate that ${steps}.`,
  durable: r0 && `${r0.connections} connections in rooms of ${r0.room_size}; every member sends at a per-member rate that ${steps}. A message counts as acknowledged when the server confirms it to its sender (Socket.IO ack; in the conference dialect the sender's own copy of the broadcast). roomcast stores chat in SQLite (synchronous=full) before it broadcasts; the Node peers and limit_server keep nothing on disk.`,
  shop: r0 && `One live stream watched by ${r0.connections} connections (connection 0 is the admin that starts it over WebSocket; the others register as customers); ${r0.senders ?? 'some'} viewers chat at a per-viewer rate that ${steps}, and every 4th of their messages comes with a toggle_like (a stream_update to everyone, counted in frames, not in deliveries). Every chat message goes to every registered connection. roomcast stores each chat message and each like in SQLite (synchronous=full) before it broadcasts; the Node peer keeps everything in memory.`,
  idle: r0 && `${r0.connections} connections joined in rooms of ${r0.room_size}, then idle. RSS per connection = (server RSS after the joins − RSS before any client) / connections.`,
  storm: r0 && `New connections (TCP connect + WebSocket upgrade + join, rooms of ${r0.room_size}) opened at ${fmt(r0.start_rate)}/s, ×${fmt(r0.rate_factor, 1)} each step (at most ${r0.connections} per step, closed before the next), until a step has errors or timeouts or reaches under 80 % of its target rate; the result is the best rate reached without errors.`,
}[kind];
if (desc) md += `${desc}\n\n`;

if (kind === 'idle') {
  md += '| server | dialect | joined | connections/s | RSS before MiB | RSS after MiB | RSS per connection KiB | idle server CPU % | errors |\n';
  md += '|---|---|---:|---:|---:|---:|---:|---:|---:|\n';
  for (const g of rows) {
    const r = g.rep;
    md += `| ${label(g)} | ${g.dialect} | ${fmt(r.joined)} | ${fmt(r.connections_per_s)} | ${mib(r.rss_before_kib)} | ${mib(r.rss_after_kib)} | ${fmt((r.rss_per_connection_bytes || -1024) / 1024, 1)} | ${fmt(r.idle_server_cpu_pct, 1)} | ${fmt(r.errors)} |\n`;
  }
} else if (kind === 'storm') {
  md += '| server | dialect | connections/s | best with errors | server CPU µs/connection | stopped by errors | server RSS MiB | errors |\n';
  md += '|---|---|---:|---:|---:|---|---:|---:|\n';
  for (const g of rows) {
    const r = g.rep;
    md += `| ${label(g)} | ${g.dialect} | ${fmt(r.connections_per_s)} | ${fmt(r.max_connections_per_s_with_errors)} | ${fmt(r.cpu_us_per_connection, 1)} | ${r.stopped_by_errors ? 'yes' : 'no'} | ${mib(r.server_rss_kib)} | ${fmt(r.errors)} |\n`;
  }
} else {
  const durable = kind === 'durable';
  md += `| server | dialect | ${durable ? 'acked msgs/s (peak) | sustained acked/s | ack p50 ms | ack p99 ms | deliveries/s' : 'deliveries/s (peak) | sustained deliveries/s'} | p50 ms | p99 ms | p99.9 ms | ${durable ? 'ack ' : ''}p99 ms at the common load | CPU µs/delivery | server CPU % | server RSS MiB | loadgen CPU % | errors |\n`;
  md += `|---|---|${durable ? '---:|---:|---:|---:|---:|' : '---:|---:|'}---:|---:|---:|---:|---:|---:|---:|---:|---:|\n`;
  for (const g of rows) {
    const r = g.rep;
    const lead = durable
      ? `${fmt(r.acked_per_s)} | ${fmt(r.sustained_acked_per_s)} | ${fmt(r.ack_p50_ms, 2)} | ${fmt(r.ack_p99_ms, 2)} | ${fmt(r.deliveries_per_s)}`
      : `${fmt(r.deliveries_per_s)} | ${fmt(r.sustained_deliveries_per_s)}`;
    const c = atCommon(r);
    const common = c ? fmt(durable ? c.ack_p99_ms : c.p99_ms, 2) : 'n/a';
    md += `| ${label(g)} | ${g.dialect} | ${lead} | ${fmt(r.p50_ms, 2)} | ${fmt(r.p99_ms, 2)} | ${fmt(r.p999_ms, 2)} | ${common} | ${fmt(r.cpu_us_per_delivery, 2)} | ${fmt(r.server_cpu_pct)} | ${mib(r.server_rss_kib)} | ${fmt(r.loadgen_cpu_pct)} | ${fmt(r.errors)} |\n`;
  }
  md += '\nPeak = most per second in any step (the server at capacity, latency then grows); sustained = best step that kept up, whose latencies are shown.';
  md += ' CPU µs/delivery is the server\'s user+system time over the peak step divided by its deliveries.';
  md += commonRate !== undefined
    ? ` The common load is the step every server kept up with: ${fmt(commonRate, commonRate < 10 ? 1 : 0)} msgs/s ${kind === 'fanout' ? 'from the sender' : kind === 'shop' ? 'per chatting viewer' : 'per member'}.\n`
    : ' No step rate was kept up with by every server, so there is no common load to compare latencies at.\n';
}

// Ratios: roomcast against each peer, same dialect (socketio: roomcast's /chat against socket.io).
const ratioLines = [];
const find = (server, dialect) => rows.find((g) => g.server === server && g.dialect === dialect);
const skippedRoomcast = [...groups.values()].find((g) => g.server === 'roomcast' && g.skipped);
for (const peer of ['ws', 'wsdeflate', 'shopws', 'socketio', 'limit']) {
  const p = [...groups.values()].find((g) => g.server === peer);
  if (!p) continue;
  const dialect = p.dialect;
  const rc = find('roomcast', dialect);
  const pr = p.rep;
  if (!rc || !pr) {
    const why = !pr ? `${peer} did not run` : skippedRoomcast && skippedRoomcast.dialect === dialect
      ? skippedRoomcast.skipped : `roomcast (${dialect}) did not run`;
    ratioLines.push(`ratio roomcast/${peer}: n/a (${why})`);
    ratioLines.push(`cpu-per-delivery roomcast/${peer}: n/a (${why})`);
    continue;
  }
  const a = rc.rep[metrics.headline], b = pr[metrics.headline];
  ratioLines.push(`ratio roomcast/${peer}: ${b > 0 ? (a / b).toFixed(2) : 'n/a'}`);
  const ca = rc.rep[metrics.cost], cb = pr[metrics.cost];
  ratioLines.push(`cpu-per-delivery roomcast/${peer}: ${ca > 0 && cb > 0 ? (ca / cb).toFixed(2) : 'n/a'}`);
  if (kind === 'idle') {
    const ra = rc.rep.rss_per_connection_bytes, rb = pr.rss_per_connection_bytes;
    ratioLines.push(`rss-per-connection roomcast/${peer}: ${ra > 0 && rb > 0 ? (ra / rb).toFixed(2) : 'n/a'}`);
  }
}
md += `\n## roomcast against the others\n\nratio = ${metrics.headlineName} of roomcast ÷ the other server's (above 1: roomcast is faster); cpu-per-delivery = ${metrics.costName}, roomcast ÷ the other (below 1: roomcast is cheaper).\n\n\`\`\`\n${ratioLines.join('\n')}\n\`\`\`\n`;

// Every step of every run, for the curious.
if (kind !== 'idle') {
  md += '\n## Steps\n\n';
  if (kind === 'storm') {
    md += '| server | dialect | round | target conn/s | joined | failed | achieved conn/s | ok |\n|---|---|---:|---:|---:|---:|---:|---|\n';
    for (const g of rows) for (const r of g.runs) for (const s of r.steps || [])
      md += `| ${g.server} | ${g.dialect} | ${r.round} | ${fmt(s.rate)} | ${fmt(s.joined)} | ${fmt(s.failed)} | ${fmt(s.connections_per_s)} | ${s.ok ? 'yes' : 'no'} |\n`;
  } else {
    md += '| server | dialect | round | rate | sent/s | deliveries/s | expected/s | acked/s | p50 ms | p99 ms | server CPU % | loadgen CPU % | kept up |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n';
    for (const g of rows) for (const r of g.runs) for (const s of r.steps || [])
      md += `| ${g.server} | ${g.dialect} | ${r.round} | ${fmt(s.rate, s.rate < 10 ? 1 : 0)} | ${fmt(s.sent_per_s)} | ${fmt(s.deliveries_per_s)} | ${fmt(s.expected_per_s)} | ${fmt(s.acked_per_s)} | ${fmt(s.p50_ms, 2)} | ${fmt(s.p99_ms, 2)} | ${fmt(s.server_cpu_pct)} | ${fmt(s.loadgen_cpu_pct)} | ${s.ok ? 'yes' : 'no'} |\n`;
  }
}
if (notes.length) md += `\n## Notes\n\n${notes.join('\n')}\n`;
const bg = records.filter((r) => r.background_cpu !== undefined).map((r) => r.background_cpu);
if (bg.length && Math.max(...bg) > 20)
  md += `\nThe machine was not quiet: other processes used up to ${Math.round(Math.max(...bg))} % of a core just before some runs, so these numbers are noisier than usual.\n`;
fs.writeFileSync(path.join(outDir, `${scenario}.md`), md);

// The picture: the headline per server on the left; on the right p99 latency
// against deliveries/s for every step (a curve per server), or for idle and
// storm a second bar chart.
const bars = path.join(workDir, `${scenario}.bars.dat`);
const curves = path.join(workDir, `${scenario}.curves.dat`);
const messaging = messagingScenario;
fs.writeFileSync(bars, rows.map((g, i) => {
  const r = g.rep;
  const first = r[metrics.headline] || 0;
  const second = kind === 'idle' ? (r.rss_per_connection_bytes || 0) / 1024 : Math.max(0, r.cpu_us_per_connection || 0);
  return `${i} "${g.server}\\n${g.dialect}" ${first} ${second}\n`;
}).join(''));
fs.writeFileSync(curves, rows.map((g) => {
  const pts = (g.rep.steps || []).filter((s) => s.deliveries_per_s > 0 && s.p99_ms > 0);
  return `"${g.server} (${g.dialect})"\n${pts.map((s) => `${s.deliveries_per_s} ${kind === 'durable' ? s.ack_p99_ms || s.p99_ms : s.p99_ms}`).join('\n') || '1 1'}\n\n\n`;
}).join(''));
const left = {
  idle: 'connections/s while joining', storm: 'connections/s (no errors)',
  durable: 'acknowledged messages/s (peak)', fanout: 'deliveries/s (peak)', rooms: 'deliveries/s (peak)',
}[kind];
const right = {
  idle: 'server RSS per idle connection (KiB)', storm: 'server CPU µs per connection',
  durable: 'ack p99 (ms) against deliveries/s, one point per step', fanout: 'p99 latency (ms) against deliveries/s, one point per step',
  rooms: 'p99 latency (ms) against deliveries/s, one point per step',
}[kind];
let gp = `set terminal pngcairo size 1300,540 font ",10"
set output "${path.join(outDir, `${scenario}.png`)}"
set multiplot layout 1,2 title "roomcast benchmark: ${scenario} (${command})"
set bmargin 5
set style fill solid 0.8 border -1
set boxwidth 0.6
set grid ytics
set yrange [0:*]
set xtics nomirror
set format y "%.1s%c"
set title "${left}" noenhanced
plot "${bars}" using 1:3:xtic(2) with boxes lc rgb "#3b7dd8" notitle, "" using 1:3:(gprintf("%.1s%c", $3)) with labels offset 0,0.7 notitle
`;
if (messaging) {
  gp += `set title "${right}"
set logscale xy
set yrange [*:*]
set format x "%.0s%c"
set format y "%g"
set xlabel "deliveries/s"
set ylabel "p99 ms"
set key top left
plot for [i=0:${Math.max(0, rows.length - 1)}] "${curves}" index i using 1:2 with linespoints lw 2 pt 7 title columnheader(1)
`;
} else {
  gp += `set title "${right}"
set format y "%g"
plot "${bars}" using 1:4:xtic(2) with boxes lc rgb "#d8683b" notitle, "" using 1:4:(sprintf("%.3g", $4)) with labels offset 0,0.7 notitle
`;
}
gp += 'unset multiplot\n';
fs.writeFileSync(path.join(workDir, `${scenario}.gp`), gp);
process.stdout.write(`${ratioLines.join('\n')}\n`);
