// A shop dialect client on npm `ws`: `{type, ...}` messages, awaited by type.

import WebSocket from 'ws';
import { createHmac } from 'node:crypto';

export const SECRET = 'shop-secret';

const b64 = (x) => Buffer.from(JSON.stringify(x)).toString('base64url');

/// An HS256 JWT as the shop's auth service would sign it.
export function sign(claims, key = SECRET) {
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ exp: Math.floor(Date.now() / 1000) + 600, ...claims })}`;
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`;
}

export const adminToken = (sub = 'admin-1', name = 'Shop Admin') => sign({ sub, name, role: 'admin' });

export class ShopClient {
  /// options: ws options (e.g. {autoPong: false} for a client that never answers pings).
  constructor(url, name = '', options = {}) {
    this.url = url;
    this.options = options;
    this.name = name;
    this.messages = [];
    this.waiters = [];
    this.closed = null;
  }

  async open() {
    this.ws = new WebSocket(this.url, this.options);
    this.ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      this.messages.push(msg);
      for (const w of [...this.waiters])
        if (w.match(msg)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(msg);
        }
    });
    this.closed = new Promise((resolve) => this.ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    await new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('error', reject);
    });
    return this;
  }

  send(msg) {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /// The next message of `type` (after `since` messages already seen; by
  /// default only new ones) matching `where`.
  next(type, { where = () => true, timeout = 4000, since = this.messages.length } = {}) {
    const match = (m) => m.type === type && where(m);
    const seen = this.messages.slice(since).find(match);
    if (seen)
      return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { match, resolve };
      this.waiters.push(w);
      setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) {
          this.waiters.splice(i, 1);
          reject(new Error(`${this.name}: no ${type} within ${timeout} ms; got ${JSON.stringify(this.messages.slice(-6))}`));
        }
      }, timeout);
    });
  }

  all(type) {
    return this.messages.filter((m) => m.type === type);
  }

  async register(sessionId, token) {
    const since = this.messages.length;
    this.send({ type: 'register', sessionId, ...(token ? { token } : {}) });
    return this.next('registered', { since });
  }

  async registerAdmin(token = adminToken()) {
    const since = this.messages.length;
    this.send({ type: 'register_admin', userId: 'ignored', token });
    return this.next('admin_registered', { since });
  }

  async close() {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)
      this.ws.close();
    await this.closed;
  }
}

export async function shopClient(server, name = '', path = '/', options = {}) {
  return new ShopClient(`${server.url}${path}`, name, options).open();
}

/// fetch against the server with an optional Bearer token and JSON body.
export async function api(server, method, pathname, { token, body } = {}) {
  const headers = {};
  if (token)
    headers.authorization = `Bearer ${token}`;
  if (body !== undefined)
    headers['content-type'] = 'application/json';
  const res = await fetch(`${server.httpUrl}${pathname}`, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text };
}
