#!/usr/bin/env node
// The conference dialect (protocols/conference.md) served the way that
// document's example server does it, on the `ws` library: a rooms map,
// join -> peers, chat-message -> JSON.stringify to every participant.
// Usage: node conference_ws.js [PORT]   (0 or none = a free port)
// WS_DEFLATE=1: permessage-deflate on (ws compresses per recipient), with
// roomcast's default threshold (256 bytes) and zlib level (6).
'use strict';
const http = require('http');
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2] || 0);
const HISTORY = 100;
const rooms = new Map(); // roomId -> { hostId, participants: Map, isLocked, isChatEnabled, raisedHands, history }
let nextMessageId = 1;

const server = http.createServer((req, res) => {
  res.writeHead(req.url === '/healthz' ? 200 : 404);
  res.end();
});
const perMessageDeflate = process.env.WS_DEFLATE === '1'
  ? { threshold: 256, zlibDeflateOptions: { level: 6 } }
  : false;
const wss = new WebSocketServer({ noServer: true, perMessageDeflate });

server.on('upgrade', (req, socket, head) => {
  const m = /^\/room\/([A-Za-z0-9_-]{1,64})\/websocket(\?.*)?$/.exec(req.url);
  if (!m) {
    socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, m[1]));
});

function send(ws, event, data) {
  ws.send(JSON.stringify({ event, data }));
}

// As in the example: stringify per participant.
function broadcast(room, message, excludePeerId) {
  room.participants.forEach((participant) => {
    if (participant.peerId !== excludePeerId) {
      participant.ws.send(JSON.stringify(message));
    }
  });
}

function onConnection(ws, roomId) {
  let peerId = null;
  ws.on('message', (raw) => {
    let message;
    try {
      message = JSON.parse(raw);
    } catch {
      send(ws, 'error', { code: 'INVALID_JSON', message: 'invalid JSON' });
      return;
    }
    const data = message && message.data ? message.data : {};
    if (message.event === 'join') {
      if (peerId) return;
      let room = rooms.get(roomId);
      if (!room) {
        room = { hostId: null, participants: new Map(), isLocked: false, isChatEnabled: true,
                 raisedHands: new Set(), history: [] };
        rooms.set(roomId, room);
      }
      if (room.isLocked) {
        send(ws, 'error', { code: 'ROOM_LOCKED', message: 'room is locked' });
        return;
      }
      peerId = String(data.peerId || `peer_${Math.random().toString(36).slice(2, 10)}`);
      const username = String(data.username || 'Guest');
      if (!room.hostId) room.hostId = peerId;
      const peers = [...room.participants.keys()];
      room.participants.set(peerId, { peerId, username, ws });
      send(ws, 'peers', { yourId: peerId, peers, isHost: room.hostId === peerId,
                          hostId: room.hostId, roomLocked: room.isLocked });
      send(ws, 'chat-history', { messages: room.history });
      broadcast(room, { event: 'peer-joined', data: { peerId, username } }, peerId);
      return;
    }
    const room = peerId && rooms.get(roomId);
    if (!room) return;
    switch (message.event) {
      case 'chat-message': {
        if (!room.isChatEnabled) return;
        const out = { event: 'chat-message', data: {
          id: `msg_${nextMessageId++}`,
          username: room.participants.get(peerId).username,
          message: String(data.message || ''),
          timestamp: Date.now(),
          peerId,
        } };
        room.history.push(out.data);
        if (room.history.length > HISTORY) room.history.shift();
        broadcast(room, out);
        break;
      }
      case 'reaction':
        broadcast(room, message, peerId);
        break;
      case 'raise-hand':
        room.raisedHands.add(peerId);
        broadcast(room, message, peerId);
        break;
      default:
        break;
    }
  });
  ws.on('close', () => {
    const room = peerId && rooms.get(roomId);
    if (!room) return;
    room.participants.delete(peerId);
    room.raisedHands.delete(peerId);
    if (room.participants.size === 0) {
      rooms.delete(roomId);
      return;
    }
    if (room.hostId === peerId) room.hostId = room.participants.keys().next().value;
    broadcast(room, { event: 'peer-left', data: { peerId } });
  });
}

server.listen(port, '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${server.address().port}`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
