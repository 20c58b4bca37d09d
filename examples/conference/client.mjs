#!/usr/bin/env node
// A terminal participant for a Roomcast conference room: joins, prints what
// happens in the room, and sends each line typed on stdin as a chat message.
// It has no camera: browsers that offer it a WebRTC connection get no answer.
//
//   node examples/conference/client.mjs --room demo --name Ada [--server ws://localhost:8080] [--token JWT]
//
// Lines starting with '/' are commands: /who /hand /lower /react 👍 (or 1-6)
// /lock /unlock /chat on|off /kick NAME /mute NAME /promote NAME /quit
//
// Needs `ws` (cd examples && npm install), or the copy in tests/integration/node_modules.
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    server: { type: 'string', default: 'ws://localhost:8080' },
    room: { type: 'string', default: 'demo' },
    name: { type: 'string', default: `node-${process.pid}` },
    token: { type: 'string' }, // a JWT, for servers with auth.require_token
  },
});
const REACTIONS = ['👍', '❤️', '😂', '🎉', '👏', '🤔'];

async function loadWs() {
  try { return (await import('ws')).default; } catch { /* try the test suite's copy */ }
  try { return createRequire(new URL('../../tests/integration/package.json', import.meta.url))('ws'); } catch { /* none */ }
  if (globalThis.WebSocket) return globalThis.WebSocket;
  console.error('The ws package is missing: run `npm install` in examples/');
  process.exit(1);
}
const WebSocket = await loadWs();

const decode = (s) => String(s ?? '').replace(/&(lt|gt|amp|quot|#39);/g,
  (_, e) => ({ lt: '<', gt: '>', amp: '&', quot: '"', '#39': "'" })[e]);
const time = (ms) => new Date(ms ?? Date.now()).toLocaleTimeString();
const say = (text) => console.log(`${time()} ${text}`);

const me = { peerId: null, resumeToken: null, hostId: null };
const names = new Map(); // peerId -> username
const who = (id) => (id === me.peerId ? 'you' : names.get(id) ?? id);
let ws = null;
let joined = false;
let attempt = 0;
let closing = false;
const pending = []; // lines typed before the join completed

function send(event, data = {}) {
  if (ws?.readyState !== WebSocket.OPEN) return say('(not connected)');
  ws.send(JSON.stringify({ event, data }));
}

function connect() {
  const url = `${opt.server.replace(/\/+$/, '')}/room/${encodeURIComponent(opt.room)}/websocket`;
  ws = new WebSocket(url);
  ws.onopen = () => send('join', { peerId: me.peerId ?? undefined, username: opt.name, resumeToken: me.resumeToken ?? undefined, token: opt.token });
  ws.onmessage = (ev) => {
    let msg;
    try { msg = JSON.parse(String(ev.data)); } catch { return say(`(not JSON) ${ev.data}`); }
    show(msg.event, msg.data ?? {});
  };
  ws.onerror = () => {}; // the close event follows
  ws.onclose = (ev) => {
    joined = false;
    if (closing) return process.exit(0);
    if (ev.code === 4000 || ev.code === 4001) return say(`connection closed for good (${ev.code} ${ev.reason})`), process.exit(1);
    const delay = Math.min(30000, 500 * 2 ** attempt++);
    say(`disconnected (${ev.code}); reconnecting in ${(delay / 1000).toFixed(1)} s`);
    setTimeout(connect, delay);
  };
}

function show(event, d) {
  switch (event) {
    case 'peers':
      attempt = 0;
      joined = true;
      setImmediate(() => pending.splice(0).forEach(input));
      Object.assign(me, { peerId: d.yourId, resumeToken: d.resumeToken, hostId: d.hostId });
      names.clear();
      for (const p of d.participants ?? []) names.set(p.peerId, decode(p.username));
      return say(`joined room ${opt.room} as ${d.yourId}${d.isHost ? ' (host)' : ''}; others: ${
        (d.peers ?? []).map(who).join(', ') || 'nobody'}${d.roomLocked ? '; room locked' : ''}${d.chatEnabled === false ? '; chat disabled' : ''}`);
    case 'chat-history':
      for (const m of d.messages ?? []) console.log(`${time(m.timestamp)} ${decode(m.username)}: ${decode(m.message)}`);
      return;
    case 'chat-message': return console.log(`${time(d.timestamp)} ${decode(d.username)}: ${decode(d.message)}`);
    case 'peer-joined': names.set(d.peerId, decode(d.username)); return say(`+ ${decode(d.username)} joined`);
    case 'peer-left': say(`- ${who(d.peerId)} left`); return names.delete(d.peerId);
    case 'host-changed': me.hostId = d.hostId; return say(`${who(d.hostId)} is now the host`);
    case 'promote-co-host': return say(`${who(d.targetPeerId)} is now a co-host`);
    case 'raise-hand': return say(`✋ ${who(d.peerId)} raised a hand`);
    case 'lower-hand': return say(`${who(d.peerId)} lowered their hand`);
    case 'reaction': return say(`${who(d.peerId)} reacted ${d.emoji}`);
    case 'screen-share-start': return say(`${who(d.peerId)} is sharing their screen`);
    case 'screen-share-stop': return say(`${who(d.peerId)} stopped sharing`);
    case 'room-locked': return say('🔒 room locked');
    case 'room-unlocked': return say('🔓 room unlocked');
    case 'chat-enabled': return say('chat enabled');
    case 'chat-disabled': return say('chat disabled');
    case 'mute-participant': return say(`${who(d.peerId)} muted you`);
    case 'kicked': return say('you were removed from the room by the host');
    case 'offer': return say(`(${who(d.peerId)} offered a video call; this client has no media and does not answer)`);
    case 'answer': case 'candidate': return;
    case 'error': return say(`error ${d.code}: ${d.message}${d.event ? ` (on ${d.event})` : ''}`);
    default: return say(`${event} ${JSON.stringify(d)}`);
  }
}

/// A peerId, or a participant's name.
const target = (arg) => [...names].find(([id, n]) => id === arg || n === arg)?.[0] ?? arg;

function command(line) {
  const [cmd, ...rest] = line.slice(1).split(/\s+/);
  const arg = rest.join(' ');
  switch (cmd) {
    case 'who': return say([...names].map(([id, n]) => `${n} (${id}${id === me.hostId ? ', host' : ''})`).join(', '));
    case 'hand': return send('raise-hand');
    case 'lower': return send('lower-hand');
    case 'react': return send('reaction', { emoji: REACTIONS[Number(arg) - 1] ?? arg });
    case 'lock': return send('room-locked');
    case 'unlock': return send('room-unlocked');
    case 'chat': return send(arg === 'off' ? 'chat-disabled' : 'chat-enabled');
    case 'kick': return send('kicked', { targetPeerId: target(arg) });
    case 'mute': return send('mute-participant', { targetPeerId: target(arg) });
    case 'promote': return send('promote-co-host', { targetPeerId: target(arg) });
    case 'quit': closing = true; return ws.close(1000);
    default: return say('commands: /who /hand /lower /react 👍|1-6 /lock /unlock /chat on|off /kick /mute /promote NAME /quit');
  }
}

function input(line) {
  if (!joined) return pending.push(line);
  if (line.startsWith('/')) command(line.trim());
  else if (line.trim()) send('chat-message', { message: line });
}

createInterface({ input: process.stdin }).on('line', input).on('close', () => {
  // stdin ended (e.g. piped input): leave once what was typed has gone out.
  const leave = () => (joined && !pending.length ? setTimeout(() => { closing = true; ws.close(1000); }, 300) : setTimeout(leave, 100));
  leave();
});
connect();
