// A hand-made WebSocket client on a plain TCP socket (node:net), for what a
// well-behaved library never does: garbage, malformed handshakes, unmasked
// frames, never answering pings.

import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { withTimeout } from './server.mjs';

export const OP = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 };

export class RawSocket {
  constructor(socket) {
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    this.ended = new Promise((resolve) => socket.on('close', () => resolve()));
    this.isClosed = false;
    this.ended.then(() => (this.isClosed = true));
    this.listeners = new Set();
    socket.on('data', (d) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      for (const l of [...this.listeners])
        l();
    });
    socket.on('error', () => {}); // resets show up as 'close'
  }

  static async connect(port) {
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawSocket(socket);
  }

  write(data) {
    this.socket.write(data);
  }

  /// Waits until `parse(buffer)` returns a value (not undefined).
  waitFor(parse, timeoutMs, what) {
    const p = new Promise((resolve, reject) => {
      const check = () => {
        const v = parse(this.buffer);
        if (v !== undefined) {
          this.listeners.delete(check);
          resolve(v);
        } else if (this.isClosed) {
          this.listeners.delete(check);
          reject(new Error(`connection closed while waiting for ${what}`));
        }
      };
      this.listeners.add(check);
      this.ended.then(check);
      check();
    });
    return withTimeout(p, timeoutMs, `no ${what}`);
  }

  /// Reads one HTTP response head: {status, head}; the bytes behind it stay buffered.
  async readHttpHead(timeoutMs = 3000) {
    return this.waitFor((buf) => {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0)
        return undefined;
      const head = buf.subarray(0, end).toString('latin1');
      this.buffer = buf.subarray(end + 4);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
      return { status, head };
    }, timeoutMs, 'HTTP response');
  }

  /// Resolves once the server closed the TCP connection.
  waitEnd(timeoutMs = 3000) {
    return withTimeout(this.ended, timeoutMs, 'TCP connection still open');
  }

  destroy() {
    this.socket.destroy();
  }
}

/// The upgrade request a browser would send.
export function upgradeRequest(path, { key = randomBytes(16).toString('base64'), version = '13', extra = '' } = {}) {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
    + `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: ${version}\r\n${extra}\r\n`;
}

/// One client frame; masked unless told otherwise.
export function encodeFrame(opcode, payload = Buffer.alloc(0), { mask = true, fin = true } = {}) {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const n = data.length;
  const head = [(fin ? 0x80 : 0) | opcode];
  const maskBit = mask ? 0x80 : 0;
  if (n < 126) {
    head.push(maskBit | n);
  } else if (n <= 0xffff) {
    head.push(maskBit | 126, n >> 8, n & 0xff);
  } else {
    head.push(maskBit | 127, 0, 0, 0, 0, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
  }
  if (!mask)
    return Buffer.concat([Buffer.from(head), data]);
  const key = randomBytes(4);
  const body = Buffer.alloc(n);
  for (let i = 0; i < n; ++i)
    body[i] = data[i] ^ key[i & 3];
  return Buffer.concat([Buffer.from(head), key, body]);
}

/// Parses one (unmasked, server) frame from the front of `buf`:
/// {opcode, fin, payload, size} or undefined when incomplete.
export function decodeFrame(buf) {
  if (buf.length < 2)
    return undefined;
  const opcode = buf[0] & 0x0f;
  const fin = (buf[0] & 0x80) !== 0;
  const rsv1 = (buf[0] & 0x40) !== 0; // permessage-deflate: a compressed message
  let len = buf[1] & 0x7f;
  let off = 2;
  if (len === 126) {
    if (buf.length < 4)
      return undefined;
    len = buf.readUInt16BE(2);
    off = 4;
  } else if (len === 127) {
    if (buf.length < 10)
      return undefined;
    len = Number(buf.readBigUInt64BE(2));
    off = 10;
  }
  if (buf.length < off + len)
    return undefined;
  return { opcode, fin, rsv1, payload: buf.subarray(off, off + len), size: off + len };
}

/// A WebSocket connection done by hand: upgrade, then frames in and out.
/// Pings are recorded and, unless `answerPings`, never answered.
export class RawWebSocket {
  constructor(raw, { answerPings = false } = {}) {
    this.raw = raw;
    this.answerPings = answerPings;
    this.frames = []; // every frame received, in order
    this.unread = [];
    this.pings = 0;
    this.waiters = [];
    raw.listeners.add(() => this.pump());
    raw.ended.then(() => {
      for (const w of this.waiters.splice(0))
        w.reject(new Error('connection closed'));
    });
  }

  /// Connects and upgrades on `path`; `first` (frames) go out in the same
  /// write as the request; `extensions`: a Sec-WebSocket-Extensions offer.
  /// The 101's head is kept as `head`.
  static async open(port, path, { first = [], answerPings = false, extensions } = {}) {
    const raw = await RawSocket.connect(port);
    const extra = extensions === undefined ? '' : `Sec-WebSocket-Extensions: ${extensions}\r\n`;
    raw.write(Buffer.concat([Buffer.from(upgradeRequest(path, { extra })), ...first]));
    const { status, head } = await raw.readHttpHead();
    if (status !== 101)
      throw new Error(`upgrade refused: ${head}`);
    const ws = new RawWebSocket(raw, { answerPings });
    ws.head = head;
    ws.pump();
    return ws;
  }

  pump() {
    for (;;) {
      const f = decodeFrame(this.raw.buffer);
      if (!f)
        return;
      this.raw.buffer = this.raw.buffer.subarray(f.size);
      this.frames.push(f);
      if (f.opcode === OP.ping) {
        ++this.pings;
        if (this.answerPings)
          this.raw.write(encodeFrame(OP.pong, f.payload));
      }
      const i = this.waiters.findIndex((w) => w.match(f));
      if (i >= 0)
        this.waiters.splice(i, 1)[0].resolve(f);
      else
        this.unread.push(f);
    }
  }

  nextFrame(match, timeoutMs = 3000, what = 'frame') {
    const i = this.unread.findIndex(match);
    if (i >= 0)
      return Promise.resolve(this.unread.splice(i, 1)[0]);
    const p = new Promise((resolve, reject) => this.waiters.push({ match, resolve, reject }));
    return withTimeout(p, timeoutMs, `no ${what}`);
  }

  /// The next text frame with this conference event: {event, data}.
  async nextEvent(event, timeoutMs = 3000) {
    const f = await this.nextFrame((x) => x.opcode === OP.text && JSON.parse(x.payload.toString()).event === event,
      timeoutMs, `'${event}' event`);
    return JSON.parse(f.payload.toString());
  }

  /// The next close frame: {code, reason}.
  async nextClose(timeoutMs = 3000) {
    const f = await this.nextFrame((x) => x.opcode === OP.close, timeoutMs, 'close frame');
    return { code: f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005, reason: f.payload.subarray(2).toString() };
  }

  send(event, data = {}) {
    this.raw.write(encodeFrame(OP.text, JSON.stringify({ event, data })));
  }

  sendFrame(opcode, payload, opts) {
    this.raw.write(encodeFrame(opcode, payload, opts));
  }

  destroy() {
    this.raw.destroy();
  }
}

/// A masked `join` text frame.
export function joinFrame(username, peerId) {
  return encodeFrame(OP.text, JSON.stringify({ event: 'join', data: peerId ? { username, peerId } : { username } }));
}
