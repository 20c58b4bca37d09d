// Helpers for the chatrooms dialect tests: HS256 tokens, socket.io-client
// connections to `/chat`, and waiting for events and acks.

import { createHmac } from 'node:crypto';
import { io } from 'socket.io-client';

export const SECRET = 'chat-test-secret';

/// An HS256 JWT for `claims` (exp one hour ahead unless given).
export function sign(claims, key = SECRET) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = { exp: Math.floor(Date.now() / 1000) + 3600, ...claims };
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(body)}`;
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`;
}

export function tokenFor(userId, name = userId) {
  return sign({ sub: userId, name });
}

/// A socket.io-client socket on `/chat` that records every event it gets.
/// options: token (auth.token), transports, extraHeaders, query, nsp.
export function chatSocket(server, { token, transports, extraHeaders, query, nsp = '/chat', auth, reconnection = false } = {}) {
  const opts = { forceNew: true, reconnection, timeout: 5000 };
  if (token !== undefined)
    opts.auth = { token };
  if (auth !== undefined)
    opts.auth = auth;
  if (transports)
    opts.transports = transports;
  if (extraHeaders)
    opts.extraHeaders = extraHeaders;
  if (query)
    opts.query = query;
  const socket = io(`${server.httpUrl}${nsp}`, opts);
  socket.received = [];
  socket.onAny((event, ...args) => socket.received.push({ event, data: args[0] }));
  return socket;
}

/// Resolves once the socket connected; rejects with the connect_error.
export function connected(socket, ms = 5000) {
  return new Promise((resolve, reject) => {
    if (socket.connected)
      return resolve(socket);
    const t = setTimeout(() => reject(new Error('connect timeout')), ms);
    socket.once('connect', () => { clearTimeout(t); resolve(socket); });
    socket.once('connect_error', (err) => { clearTimeout(t); reject(err); });
  });
}

/// Connects user `userId` and waits for the connection.
export async function connectUser(server, userId, name = userId, options = {}) {
  return connected(chatSocket(server, { token: tokenFor(userId, name), ...options }));
}

/// Waits for the next `event` (after those already seen, unless `since` is
/// given) matching `where`.
export function next(socket, event, { where = () => true, timeout = 5000, since } = {}) {
  const start = since ?? socket.received.length;
  return new Promise((resolve, reject) => {
    const check = () => {
      for (let i = start; i < socket.received.length; ++i) {
        const r = socket.received[i];
        if (r.event === event && where(r.data)) {
          cleanup();
          resolve(r.data);
          return true;
        }
      }
      return false;
    };
    const listener = () => setImmediate(check);
    const t = setTimeout(() => {
      cleanup();
      reject(new Error(`no '${event}' within ${timeout} ms; got ${socket.received.map((r) => r.event).join(',')}`));
    }, timeout);
    const cleanup = () => { clearTimeout(t); socket.offAny(listener); };
    socket.onAny(listener);
    check();
  });
}

/// Emits with an acknowledgement callback; resolves with the ack's payload.
export function ask(socket, event, payload, timeout = 5000) {
  const s = socket.timeout(timeout);
  return payload === undefined ? s.emitWithAck(event) : s.emitWithAck(event, payload);
}

/// Every event named `event` seen so far.
export function all(socket, event) {
  return socket.received.filter((r) => r.event === event).map((r) => r.data);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/// Resolves when the socket disconnected.
export function disconnected(socket) {
  return new Promise((resolve) => {
    if (!socket.connected)
      return resolve();
    socket.once('disconnect', resolve);
  });
}

let counter = 0;
export function chatRoomId(prefix = 'room') {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`;
}
