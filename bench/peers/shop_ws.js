#!/usr/bin/env node
// The shop dialect (protocols/shop.md) served the way that document's server
// does it, on the `ws` library: customers Map<sessionId, {ws, userId}>, admins
// Map<userId, {ws}>, webrtc peers Map<peerId, {type, ws}>, the in-memory
// stream state, chat history in an array, and every broadcast a
// JSON.stringify + ws.send per connection. Nothing is stored on disk.
// Usage: JWT_SECRET=S node shop_ws.js [PORT]   (0 or none = a free port)
'use strict';
const http = require('http');
const crypto = require('crypto');
const { WebSocketServer, WebSocket } = require('ws');

const port = Number(process.argv[2] || 0);
const SECRET = process.env.JWT_SECRET || 'roomcast-bench-secret';
const HISTORY = 50;

const customers = new Map(); // sessionId -> { ws, userId }
const admins = new Map();    // userId -> { ws }
const peers = new Map();     // peerId -> { type, ws, peerId }
let chatHistory = [];
let pinnedProducts = [];
const freshState = () => ({ isActive: false, streamId: null, viewerCount: 0, likes: 0, likedBy: new Set(),
  startTime: null, title: '', description: '', streamUrl: '', quality: '720p' });
let streamState = freshState();

// jwt.verify(token, secret) for HS256, as jsonwebtoken would.
function verify(token) {
  const [h, p, s] = String(token || '').split('.');
  if (!h || !p || !s) throw new Error('malformed');
  const expected = crypto.createHmac('sha256', SECRET).update(`${h}.${p}`).digest('base64url');
  if (expected !== s) throw new Error('invalid signature');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  if (claims.exp && claims.exp * 1000 < Date.now()) throw new Error('expired');
  return claims;
}

const streamData = () => ({ ...streamState, likedBy: [...streamState.likedBy] });

function broadcast(message) {
  let count = 0;
  const all = [...customers.values(), ...admins.values()];
  for (const c of all)
    if (c.ws.readyState === WebSocket.OPEN) {
      c.ws.send(JSON.stringify(message));
      ++count;
    }
  return count;
}

const sendTo = (ws, message) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(message));
const error = (ws, message) => sendTo(ws, { type: 'error', message });
const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;' }[c]));

function startStream(data) {
  streamState = { ...freshState(), isActive: true, streamId: crypto.randomBytes(12).toString('hex'),
    startTime: new Date().toISOString(), title: data.title || '', description: data.description || '',
    streamUrl: data.streamUrl || '', quality: data.quality || '720p', viewerCount: customers.size };
  chatHistory = [];
  broadcast({ type: 'stream_started', streamData: streamData() });
}

function stopStream() {
  const id = streamState.streamId;
  streamState = freshState();
  pinnedProducts = [];
  broadcast({ type: 'stream_stopped', streamId: id });
}

function viewerUpdate() {
  if (!streamState.isActive) return;
  streamState.viewerCount = customers.size;
  broadcast({ type: 'stream_update', viewerCount: streamState.viewerCount, likes: streamState.likes, likedBy: [...streamState.likedBy] });
}

const server = http.createServer((req, res) => {
  const json = (status, body) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
  if (req.url === '/healthz') return json(200, { ok: true });
  if (req.url === '/api/stream' && req.method === 'GET') return json(200, { ...streamData(), pinnedProducts });
  const admin = () => {
    const token = (req.headers.authorization || '').replace(/^Bearer /, '');
    if (!token) { json(401, { error: 'No token, authorization denied' }); return null; }
    try {
      const claims = verify(token);
      if (claims.role !== 'admin') { json(403, { error: 'Admin access required' }); return null; }
      return claims;
    } catch { json(401, { error: 'Authentication failed' }); return null; }
  };
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    if (req.method === 'POST' && req.url === '/api/stream/start') {
      if (!admin()) return;
      startStream(JSON.parse(body || '{}'));
      return json(200, streamData());
    }
    if (req.method === 'POST' && req.url === '/api/stream/stop') {
      if (!admin()) return;
      stopStream();
      return json(200, { isActive: false });
    }
    json(404, { error: 'not found' });
  });
});

const wss = new WebSocketServer({ server });

wss.on('connection', (ws) => {
  let sessionId = null;
  let userId = null;
  let isAdmin = false;
  let peerId = null;
  ws.on('message', (raw) => {
    let data;
    try {
      data = JSON.parse(raw);
    } catch {
      return error(ws, 'Invalid message format');
    }
    try {
      switch (data.type) {
        case 'register': {
          sessionId = String(data.sessionId);
          if (data.token) {
            try { userId = verify(data.token).sub; } catch { return error(ws, 'Authentication failed'); }
          }
          customers.set(sessionId, { ws, userId });
          sendTo(ws, { type: 'registered', sessionId, status: 'connected' });
          if (streamState.isActive) {
            sendTo(ws, { type: 'stream_started', streamData: streamData() });
            sendTo(ws, { type: 'chat_history', messages: chatHistory });
          }
          viewerUpdate();
          break;
        }
        case 'register_admin': {
          if (!data.token) return error(ws, 'Token required');
          let claims;
          try { claims = verify(data.token); } catch { return error(ws, 'Authentication failed'); }
          if (claims.role !== 'admin') return error(ws, 'Authentication failed');
          userId = claims.sub;
          isAdmin = true;
          admins.set(userId, { ws, userRole: 'admin' });
          sendTo(ws, { type: 'admin_registered', userId, status: 'connected' });
          break;
        }
        case 'stream_start':
          if (!isAdmin) return error(ws, 'Admin access required');
          return startStream(data);
        case 'stream_stop':
          if (!isAdmin) return error(ws, 'Admin access required');
          return stopStream();
        case 'toggle_like': {
          if (!streamState.isActive) return error(ws, 'No active stream');
          const who = userId || sessionId;
          if (streamState.likedBy.has(who)) streamState.likedBy.delete(who);
          else streamState.likedBy.add(who);
          streamState.likes = streamState.likedBy.size;
          broadcast({ type: 'stream_update', likes: streamState.likes, likedBy: [...streamState.likedBy] });
          break;
        }
        case 'chat_message': {
          if (!streamState.isActive) return error(ws, 'No active stream');
          const message = { username: escapeHtml(data.username || 'Guest'), message: escapeHtml(data.message || ''),
            isAdmin, timestamp: new Date().toISOString() };
          chatHistory.push(message);
          if (chatHistory.length > HISTORY) chatHistory.shift();
          broadcast({ type: 'chat_message', ...message });
          break;
        }
        case 'customer_message':
          for (const a of admins.values())
            sendTo(a.ws, { type: 'customer_message', sessionId, message: escapeHtml(data.message),
              customerName: escapeHtml(data.customerName || `Customer #${String(sessionId).slice(-5)}`), timestamp: new Date().toISOString() });
          break;
        case 'staff_message': {
          if (!isAdmin) return error(ws, 'Admin access required');
          const c = customers.get(data.sessionId);
          if (c) sendTo(c.ws, { type: 'staff_reply', message: escapeHtml(data.content), timestamp: new Date().toISOString() });
          break;
        }
        case 'webrtc_register':
          peerId = String(data.peerId);
          peers.set(peerId, { type: isAdmin ? 'admin' : 'customer', ws, peerId });
          sendTo(ws, { type: 'webrtc_registered', peerId, userType: isAdmin ? 'admin' : 'customer' });
          break;
        case 'webrtc_offer':
        case 'webrtc_answer':
        case 'webrtc_ice_candidate': {
          const target = peers.get(data.to);
          if (target) sendTo(target.ws, { ...data, from: peerId });
          break;
        }
        case 'ping':
          sendTo(ws, { type: 'pong' });
          break;
        default:
          error(ws, `Unknown message type: ${data.type}`);
      }
    } catch (err) {
      error(ws, err.message);
    }
  });
  ws.on('close', () => {
    if (sessionId && customers.get(sessionId)?.ws === ws) {
      customers.delete(sessionId);
      viewerUpdate();
    }
    if (isAdmin && admins.get(userId)?.ws === ws) admins.delete(userId);
    if (peerId) peers.delete(peerId);
  });
});

server.listen(port, '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${server.address().port}`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
