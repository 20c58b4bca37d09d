// A signaling-dialect client on the real `ws` library: connects to
// ws://127.0.0.1:PORT/ws, sends {type, ...}, and lets a test await the next
// message of a given type, or the close.

import WebSocket from 'ws';
import { withTimeout } from './server.mjs';

export const DEFAULT_TIMEOUT_MS = 3000;

export class SignalingClient {
  constructor(url, name = '') {
    this.url = url;
    this.name = name;
    this.received = [];
    this.unclaimed = [];
    this.waiters = [];
    this.closeInfo = null;
    this.closed = null;
  }

  /// Opens the socket; rejects with err.statusCode when the upgrade is refused.
  async open(timeoutMs = DEFAULT_TIMEOUT_MS) {
    const ws = new WebSocket(this.url, { handshakeTimeout: timeoutMs });
    this.ws = ws;
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
        for (const w of this.waiters.splice(0))
          w.reject(new Error(`${this.name}: socket closed (${code}) while waiting for '${w.what}'`));
      });
    });
    ws.on('message', (data) => this.onMessage(data));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('unexpected-response', (req, res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => {
          const err = new Error(`${this.name}: upgrade refused with HTTP ${res.statusCode}`);
          err.statusCode = res.statusCode;
          err.body = body;
          reject(err);
        });
      });
      ws.on('error', reject);
    });
    return this;
  }

  onMessage(data) {
    let msg;
    try {
      msg = JSON.parse(data.toString());
    } catch {
      msg = { raw: data.toString() };
    }
    this.received.push(msg);
    const i = this.waiters.findIndex((w) => w.match(msg));
    if (i >= 0)
      this.waiters.splice(i, 1)[0].resolve(msg);
    else
      this.unclaimed.push(msg);
  }

  send(msg) {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify({ timestamp: Date.now(), ...msg }));
  }

  /// The next message of `type` (a name or a list) satisfying `where`.
  next(type, { where = () => true, timeout = DEFAULT_TIMEOUT_MS } = {}) {
    const types = Array.isArray(type) ? type : [type];
    const match = (m) => types.includes(m.type) && where(m);
    const i = this.unclaimed.findIndex(match);
    if (i >= 0)
      return Promise.resolve(this.unclaimed.splice(i, 1)[0]);
    if (this.closeInfo)
      return Promise.reject(new Error(`${this.name}: closed (${this.closeInfo.code}); no '${types}'`));
    let waiter;
    const p = new Promise((resolve, reject) => {
      waiter = { match, resolve, reject, what: types.join('|') };
      this.waiters.push(waiter);
    });
    return withTimeout(p, timeout, `${this.name}: no '${types.join('|')}'`).catch((err) => {
      const j = this.waiters.indexOf(waiter);
      if (j >= 0)
        this.waiters.splice(j, 1);
      err.message += `\n  received: ${JSON.stringify(this.received.slice(-8)).slice(0, 1500)}`;
      throw err;
    });
  }

  /// Every received message of `type`.
  all(type) {
    return this.received.filter((m) => m.type === type);
  }

  /// join-room; resolves room-joined, rejects with the error (err.code).
  async join(roomId, peerId, { displayName = peerId, mediaState = { audio: true, video: true, screen: false } } = {}) {
    this.peerId = peerId;
    this.send({ type: 'join-room', roomId, peerId, displayName, mediaState });
    const m = await this.next(['room-joined', 'error']);
    if (m.type === 'error') {
      const err = new Error(`${this.name}: join refused: ${m.code} ${m.error}`);
      err.code = m.code;
      throw err;
    }
    return m;
  }

  waitClose(timeout = DEFAULT_TIMEOUT_MS) {
    return withTimeout(this.closed, timeout, `${this.name}: socket not closed`);
  }

  async close() {
    if (!this.ws || this.closeInfo)
      return this.closeInfo;
    this.ws.close(1000);
    return this.waitClose();
  }
}

/// Opens a client on ws://.../ws (with `query`, e.g. '?token=...').
export async function connectSignaling(server, name = '', query = '') {
  return new SignalingClient(`${server.url}/ws${query}`, name).open();
}

/// fetch() against the server: resolves {status, body (parsed JSON or null), headers}.
export async function api(server, method, pathname, { body, headers = {} } = {}) {
  const res = await fetch(`${server.httpUrl}${pathname}`, {
    method,
    headers: body !== undefined ? { 'content-type': 'application/json', ...headers } : headers,
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { raw: text };
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
