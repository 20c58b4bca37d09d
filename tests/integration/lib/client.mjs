// A conference-dialect client on the real `ws` WebSocket library: connects to
// ws://127.0.0.1:PORT/room/ID/websocket, sends {event, data}, and lets a test
// await the next event of a given name, everything received, or the close.

import WebSocket from 'ws';
import { withTimeout } from './server.mjs';

export const DEFAULT_TIMEOUT_MS = 3000;

/// The six reactions of the contract (UTF-8).
export const REACTIONS = ['👍', '❤️', '😂', '🎉', '👏', '🤔'];

export class Client {
  /// `url`: ws://127.0.0.1:PORT/room/ID/websocket (or any path, for refusals).
  /// `wsOptions`: more options for `ws` (e.g. `ca` for wss://).
  constructor(url, name = '', wsOptions = {}) {
    this.url = url;
    this.name = name;
    this.wsOptions = wsOptions;
    this.received = []; // every message, in arrival order: {event, data} (or {raw})
    this.unclaimed = []; // received and not yet returned by next()
    this.waiters = [];
    this.socketErrors = [];
    this.ws = null;
    this.closeInfo = null;
    this.closed = null; // Promise<{code, reason}>
    this.peerId = null;
    this.resumeToken = null;
  }

  /// Opens the socket; rejects if the upgrade fails (with err.statusCode when
  /// the server answered with an HTTP error).
  async open(timeoutMs = DEFAULT_TIMEOUT_MS) {
    const ws = new WebSocket(this.url, { handshakeTimeout: timeoutMs, ...this.wsOptions });
    this.ws = ws;
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
        for (const w of this.waiters.splice(0))
          w.reject(new Error(`${this.label()}: socket closed (${code}) while waiting for '${w.what}'`));
      });
    });
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('unexpected-response', (req, res) => {
        const err = new Error(`${this.label()}: upgrade refused with HTTP ${res.statusCode}`);
        err.statusCode = res.statusCode;
        req.destroy();
        reject(err);
      });
      ws.on('error', (err) => {
        this.socketErrors.push(err);
        reject(err);
      });
    });
    return this;
  }

  label() {
    return this.name || this.peerId || this.url;
  }

  onMessage(data, isBinary) {
    let msg;
    try {
      msg = isBinary ? { raw: data } : JSON.parse(data.toString());
    } catch {
      msg = { raw: data.toString() };
    }
    this.received.push(msg);
    const i = this.waiters.findIndex((w) => w.match(msg));
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      w.resolve(msg);
    } else {
      this.unclaimed.push(msg);
    }
  }

  /// Sends {event, data}.
  send(event, data = {}) {
    this.ws.send(JSON.stringify({ event, data }));
  }

  /// Sends a string (text frame) or a Buffer (binary frame) as is.
  sendRaw(payload, { binary = false } = {}) {
    this.ws.send(payload, { binary });
  }

  /// Resolves with the next message whose event is `event` (a name or a list
  /// of names) and that satisfies `where(data, msg)`; messages returned once
  /// are not returned again. Rejects after `timeout` ms.
  next(event, { where = () => true, timeout = DEFAULT_TIMEOUT_MS } = {}) {
    const names = Array.isArray(event) ? event : [event];
    const match = (m) => names.includes(m.event) && where(m.data ?? {}, m);
    const i = this.unclaimed.findIndex(match);
    if (i >= 0)
      return Promise.resolve(this.unclaimed.splice(i, 1)[0]).then((m) => (Array.isArray(event) ? m : m.data));
    if (this.closeInfo)
      return Promise.reject(new Error(`${this.label()}: socket already closed (${this.closeInfo.code}); no '${names}'`));
    let waiter;
    const p = new Promise((resolve, reject) => {
      waiter = { match, resolve, reject, what: names.join('|') };
      this.waiters.push(waiter);
    });
    return withTimeout(p, timeout, `${this.label()}: no '${names.join('|')}' event`)
      .then((m) => (Array.isArray(event) ? m : m.data))
      .catch((err) => {
        const j = this.waiters.indexOf(waiter);
        if (j >= 0)
          this.waiters.splice(j, 1);
        err.message += `\n  received so far: ${this.summary()}`;
        throw err;
      });
  }

  /// The next `error` event's data ({code, message, event?}).
  nextError(opts = {}) {
    return this.next('error', opts);
  }

  /// Every received message with this event name (claimed or not), in order.
  all(event) {
    return this.received.filter((m) => m.event === event).map((m) => m.data);
  }

  /// Drops unclaimed messages (e.g. noise from earlier steps).
  clear() {
    this.unclaimed.length = 0;
  }

  summary(limit = 12) {
    const tail = this.received.slice(-limit)
      .map((m) => (m.event ? `${m.event} ${JSON.stringify(m.data)}` : `raw ${m.raw}`).slice(0, 300));
    return `[${this.received.length} messages] ${tail.join(' | ').slice(0, 2000)}`;
  }

  /// Sends join and waits for `peers` (then `chat-history`). Resolves
  /// {peers, history}; rejects with the server's error event (err.code).
  async join(username, { peerId, resumeToken, timeout = DEFAULT_TIMEOUT_MS } = {}) {
    const data = { username };
    if (peerId !== undefined)
      data.peerId = peerId;
    if (resumeToken !== undefined)
      data.resumeToken = resumeToken;
    this.send('join', data);
    const m = await this.next(['peers', 'error'], { timeout });
    if (m.event === 'error') {
      const err = new Error(`${this.label()}: join refused: ${m.data.code} ${m.data.message}`);
      err.code = m.data.code;
      err.data = m.data;
      throw err;
    }
    const history = await this.next('chat-history', { timeout });
    this.peerId = m.data.yourId;
    this.resumeToken = m.data.resumeToken;
    if (!this.name)
      this.name = username;
    return { peers: m.data, history: history.messages };
  }

  /// Sends join and resolves with the error event it must provoke.
  async joinRefused(username, opts = {}) {
    try {
      await this.join(username, opts);
    } catch (err) {
      if (err.code)
        return err.data;
      throw err;
    }
    throw new Error(`${this.label()}: join was accepted, expected an error`);
  }

  /// Resolves {code, reason} once the socket closed.
  waitClose(timeout = DEFAULT_TIMEOUT_MS) {
    return withTimeout(this.closed, timeout, `${this.label()}: socket not closed`);
  }

  /// Closes politely and waits for it.
  async close(timeout = DEFAULT_TIMEOUT_MS) {
    if (!this.ws || this.closeInfo)
      return this.closeInfo;
    this.ws.close(1000);
    return this.waitClose(timeout);
  }

  /// Drops the TCP connection without a closing handshake.
  terminate() {
    this.ws?.terminate();
  }
}

/// Opens a client on /room/ROOM/websocket of `server`.
export async function connect(server, roomId, name = '') {
  return new Client(server.roomUrl(roomId), name).open();
}

/// Opens and joins; resolves the client with `.joined = {peers, history}`.
export async function joined(server, roomId, username, opts = {}) {
  const c = await connect(server, roomId, username);
  c.joined = await c.join(username, opts);
  return c;
}

/// Joins several clients in order; the first one is the host.
export async function joinAll(server, roomId, usernames) {
  const out = [];
  for (const u of usernames)
    out.push(await joined(server, roomId, u));
  // Let the earlier members see every peer-joined, so later steps start clean.
  for (let i = 0; i < out.length; ++i)
    for (const later of out.slice(i + 1))
      await out[i].next('peer-joined', { where: (d) => d.peerId === later.peerId });
  return out;
}

/// Closes every client, ignoring errors.
export async function closeAll(clients) {
  await Promise.all(clients.map((c) => c?.close().catch(() => {})));
}

let counter = 0;
/// A fresh room id per test: `prefix-<pid>-<n>`.
export function roomId(prefix = 'room') {
  return `${prefix}-${process.pid}-${++counter}`;
}
