#!/usr/bin/env node
// The chatrooms dialect (protocols/chatrooms.md) on socket.io@4: namespace
// /chat, JWT (HS256) from auth.token, ?token= or the Authorization header,
// joinRoom / sendMessage -> receiveMessage to the whole room. Rate limits are
// off, as in roomcast's benchmark config. userOnline/userOffline go to the
// whole namespace, which is O(N^2) while N clients connect, so they are only
// sent with CHAT_PRESENCE=1.
// Usage: JWT_SECRET=S node chatrooms_socketio.js [PORT]   (0 or none = a free port)
'use strict';
const http = require('http');
const crypto = require('crypto');
const { Server } = require('socket.io');

const port = Number(process.argv[2] || 0);
const secret = process.env.JWT_SECRET || 'roomcast-bench-secret';
const MAX_CONTENT = 2000;
const presence = process.env.CHAT_PRESENCE === '1';

function verifyJwt(token) {
  const parts = String(token || '').split('.');
  if (parts.length !== 3) return null;
  let header;
  let claims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url'));
  } catch {
    return null;
  }
  if (header.alg !== 'HS256') return null;
  const sig = crypto.createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest();
  const given = Buffer.from(parts[2], 'base64url');
  if (given.length !== sig.length || !crypto.timingSafeEqual(given, sig)) return null;
  if (claims.exp && claims.exp * 1000 < Date.now()) return null;
  return claims;
}

const escapeHtml = (s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const now = () => new Date().toISOString();
let nextMessageId = 1;

const httpServer = http.createServer();
const io = new Server(httpServer, { cors: { origin: process.env.FRONTEND_URL || 'http://localhost:5173' } });
const chat = io.of('/chat');

chat.use((socket, next) => {
  const hs = socket.handshake;
  const bearer = (hs.headers.authorization || '').replace(/^Bearer\s+/i, '');
  const claims = verifyJwt((hs.auth && hs.auth.token) || hs.query.token || bearer);
  if (!claims || !claims.sub) return next(new Error('Unauthorized'));
  socket.data.user = { id: String(claims.sub), username: String(claims.name || claims.sub) };
  next();
});

function fail(socket, ack, error, statusCode) {
  const body = { success: false, error, statusCode, timestamp: now() };
  if (ack) ack(body);
  else socket.emit('error', body);
}

chat.on('connection', (socket) => {
  const user = socket.data.user;
  if (presence) socket.broadcast.emit('userOnline', { userId: user.id, username: user.username, timestamp: now() });

  socket.on('joinRoom', async (payload, ack) => {
    const roomId = payload && typeof payload.roomId === 'string' ? payload.roomId : '';
    if (!roomId) return fail(socket, ack, 'roomId is required', 400);
    socket.join(roomId);
    const members = await chat.in(roomId).fetchSockets();
    socket.emit('roomUsers', { roomId, users: members.map((s) => ({ userId: s.data.user.id, username: s.data.user.username })) });
    socket.to(roomId).emit('userJoined', { userId: user.id, username: user.username, roomId, timestamp: now() });
    const res = { event: 'joinedRoom', roomId, success: true };
    if (ack) ack(res);
    else socket.emit('joinedRoom', res);
  });

  socket.on('leaveRoom', (payload, ack) => {
    const roomId = payload && payload.roomId;
    socket.leave(roomId);
    socket.to(roomId).emit('userLeft', { userId: user.id, username: user.username, roomId, timestamp: now() });
    const res = { event: 'leftRoom', roomId, success: true };
    if (ack) ack(res);
  });

  socket.on('sendMessage', (payload, ack) => {
    const content = payload && typeof payload.content === 'string' ? payload.content : '';
    const roomId = payload && typeof payload.roomId === 'string' ? payload.roomId : '';
    if (content.length < 1 || content.length > MAX_CONTENT) return fail(socket, ack, 'content must be 1-2000 characters', 400);
    if (!socket.rooms.has(roomId)) return fail(socket, ack, 'not a member of this room', 400);
    const t = now();
    const message = {
      id: String(nextMessageId++),
      content: escapeHtml(content),
      author: { id: user.id, username: user.username },
      roomId,
      messageType: payload.messageType || 'TEXT',
      timestamp: t,
      createdAt: t,
      updatedAt: t,
    };
    chat.to(roomId).emit('receiveMessage', message);
    if (ack) ack({ event: 'messageSent', message, success: true });
  });

  socket.on('typing', (payload, ack) => {
    const roomId = payload && payload.roomId;
    socket.to(roomId).emit('userTyping', { userId: user.id, username: user.username, roomId,
                                            isTyping: !!(payload && payload.isTyping), timestamp: now() });
    if (ack) ack({ event: 'typingUpdated', success: true });
  });

  socket.on('heartbeat', (ack) => {
    const res = { event: 'heartbeatResponse', timestamp: now(), success: true };
    if (typeof ack === 'function') ack(res);
    else socket.emit('heartbeatResponse', res);
  });

  socket.on('disconnect', () => {
    if (presence) socket.broadcast.emit('userOffline', { userId: user.id, username: user.username, timestamp: now() });
  });
});

httpServer.listen(port, '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${httpServer.address().port}`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
