// A script client of roomcast's signaling dialect (ws://HOST/ws): creates a
// room over REST (unless one is given), joins it, and prints what arrives.
// With --offer-to PEER it sends a (fake) SDP offer to that peer.
//
//   node examples/signaling/client.mjs [--server http://localhost:8080] [--room ID]
//        [--peer ID] [--name NAME] [--offer-to PEER] [--token JWT]
//
// Needs `ws` (npm install in examples/).

import WebSocket from 'ws';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    server: { type: 'string', default: 'http://localhost:8080' },
    room: { type: 'string' },
    peer: { type: 'string', default: `cli-${Math.random().toString(36).slice(2, 8)}` },
    name: { type: 'string' },
    'offer-to': { type: 'string' },
    token: { type: 'string' },
  },
});

let roomId = opt.room;
if (!roomId) {
  const res = await fetch(`${opt.server}/api/rooms`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ hostPeerId: opt.peer, maxParticipants: 4 }),
  });
  const room = await res.json();
  console.log(`created ${room.roomId}: ${room.joinLink}`);
  roomId = room.roomId;
}

const wsUrl = `${opt.server.replace(/^http/, 'ws')}/ws${opt.token ? `?token=${encodeURIComponent(opt.token)}` : ''}`;
const ws = new WebSocket(wsUrl);
const send = (msg) => ws.send(JSON.stringify({ ...msg, roomId, timestamp: Date.now() }));

ws.on('open', () => send({
  type: 'join-room', peerId: opt.peer, displayName: opt.name ?? opt.peer,
  mediaState: { audio: true, video: false, screen: false },
}));
ws.on('message', (data) => {
  const m = JSON.parse(data);
  console.log(JSON.stringify(m));
  if (m.type === 'room-joined' && opt['offer-to'])
    send({ type: 'offer', toPeerId: opt['offer-to'], offer: { type: 'offer', sdp: 'v=0\r\n' } });
  if (m.type === 'offer') // answer anything offered, so two scripts can talk
    send({ type: 'answer', toPeerId: m.fromPeerId, answer: { type: 'answer', sdp: 'v=0\r\n' } });
});
ws.on('close', (code) => {
  console.log(`closed ${code}`);
  process.exit(0);
});
process.on('SIGINT', () => {
  send({ type: 'leave-room' });
  ws.close(1000);
});
