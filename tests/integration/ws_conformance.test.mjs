// RFC 6455 conformance on raw sockets, section by section after the
// Autobahn|Testsuite: 1 framing, 2 ping/pong, 3 reserved bits, 4 reserved
// opcodes, 5 fragmentation, 6 UTF-8, 7 close handling, 9 limits, 12/13
// permessage-deflate.
//
// Everything goes to the conference endpoint, where a text message must be
// JSON: an unknown event (`nope`) is answered with UNKNOWN_EVENT, which proves
// that the server read and assembled the message and that the connection is
// still open.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import zlib from 'node:zlib';

import { withServer, startServer, httpGet } from './lib/server.mjs';
import { RawWebSocket, OP, encodeFrame, joinFrame } from './lib/raw.mjs';

const base = { config: 'integration.toml' };
const PATH = '/room/conf1/websocket';
const MAX_FRAME_BYTES = 64 * 1024; // server.max_frame_bytes, the default
const KOSME = 'κόσμε';

let server;
before(async () => {
  server = await startServer(base);
});
after(async () => {
  await server.stop();
  await server.dispose();
});

function open(s = server) {
  return RawWebSocket.open(s.port, PATH);
}

/// `{"event":"nope","data":{}}` padded with JSON whitespace to `size` bytes.
function nope(size = 0) {
  const json = Buffer.from('{"event":"nope","data":{}}');
  return size <= json.length ? json : Buffer.concat([json, Buffer.alloc(size - json.length, 0x20)]);
}

/// The next error event: its data ({code, message, event}).
async function nextError(ws, timeoutMs = 3000) {
  return (await ws.nextEvent('error', timeoutMs)).data;
}

/// Sends `nope` and expects UNKNOWN_EVENT: the connection is open and reads.
async function assertAlive(ws) {
  ws.sendFrame(OP.text, nope());
  const err = await nextError(ws);
  assert.equal(err.code, 'UNKNOWN_EVENT');
  assert.equal(err.event, 'nope');
}

/// Expects a close frame with `code`, answers it as a client does, and waits
/// for the server to end the TCP connection.
async function assertClosedWith(ws, code, timeoutMs = 3000) {
  const close = await ws.nextClose(timeoutMs);
  assert.equal(close.code, code, `close code (reason '${close.reason}')`);
  if (!ws.raw.isClosed)
    ws.sendFrame(OP.close, Buffer.from([code >> 8, code & 0xff]));
  await ws.raw.waitEnd(5000);
}

/// A close frame's payload: the code, then the reason's bytes.
function closeBody(code, reason = Buffer.alloc(0)) {
  const head = Buffer.alloc(2);
  head.writeUInt16BE(code);
  return Buffer.concat([head, Buffer.isBuffer(reason) ? reason : Buffer.from(reason)]);
}

/// Writes `bytes` in pieces of `step`, giving the event loop a turn between
/// them so that they leave as separate TCP segments.
async function trickle(ws, bytes, step) {
  ws.raw.socket.setNoDelay(true);
  for (let i = 0; i < bytes.length; i += step) {
    ws.raw.write(bytes.subarray(i, i + step));
    await new Promise((r) => setImmediate(r));
  }
}

/// `{"event":"nope","data":{"s":"<s>"}}` as UTF-8 bytes with `raw` spliced
/// into the string: a valid JSON message whose only fault can be its UTF-8.
function nopeWith(raw) {
  return Buffer.concat([Buffer.from('{"event":"nope","data":{"s":"'), raw, Buffer.from('"}}')]);
}

// -- 1 framing ------------------------------------------------------------------

test('text messages of 0 to 65536 bytes are read whole', async () => {
  const ws = await open();
  for (const size of [0, 125, 126, 127, 128, 1000, 65535, 65536]) {
    ws.sendFrame(OP.text, size === 0 ? Buffer.alloc(0) : nope(size));
    const err = await nextError(ws, 5000);
    assert.equal(err.code, size === 0 ? 'INVALID_JSON' : 'UNKNOWN_EVENT', `${size} bytes`);
  }
  ws.destroy();
});

test('a 65536-byte text message written in 997-byte chunks is read whole', async () => {
  const ws = await open();
  await trickle(ws, encodeFrame(OP.text, nope(65536)), 997);
  assert.equal((await nextError(ws, 5000)).code, 'UNKNOWN_EVENT');
  ws.destroy();
});

test('binary messages of 0 to 65536 bytes are read whole and refused with UNSUPPORTED_DATA', async () => {
  const ws = await open();
  for (const size of [0, 125, 126, 127, 128, 65535, 65536]) {
    ws.sendFrame(OP.binary, Buffer.alloc(size, 0xfe));
    assert.equal((await nextError(ws, 5000)).code, 'UNSUPPORTED_DATA', `${size} bytes`);
  }
  await assertAlive(ws);
  ws.destroy();
});

// -- 2 ping and pong -----------------------------------------------------------

test('a ping without payload gets an empty pong', async () => {
  const ws = await open();
  ws.sendFrame(OP.ping, Buffer.alloc(0));
  const pong = await ws.nextFrame((f) => f.opcode === OP.pong, 3000, 'pong');
  assert.equal(pong.payload.length, 0);
  ws.destroy();
});

test('a ping with a 125-byte binary payload gets the same payload back', async () => {
  const ws = await open();
  const payload = Buffer.from(Array.from({ length: 125 }, (_, i) => (i * 7 + 0xfe) & 0xff));
  ws.sendFrame(OP.ping, payload);
  const pong = await ws.nextFrame((f) => f.opcode === OP.pong, 3000, 'pong');
  assert.deepEqual(pong.payload, payload);
  ws.destroy();
});

test('a 125-byte ping written one byte at a time gets its pong', async () => {
  const ws = await open();
  const payload = Buffer.alloc(125, 0x2a);
  await trickle(ws, encodeFrame(OP.ping, payload), 1);
  assert.deepEqual((await ws.nextFrame((f) => f.opcode === OP.pong, 3000, 'pong')).payload, payload);
  ws.destroy();
});

test('a ping with a 126-byte payload closes with 1002', async () => {
  const ws = await open();
  ws.sendFrame(OP.ping, Buffer.alloc(126, 0x70));
  await assertClosedWith(ws, 1002);
});

test('an unsolicited pong is ignored, with or without payload', async () => {
  const ws = await open();
  ws.sendFrame(OP.pong, Buffer.alloc(0));
  ws.sendFrame(OP.pong, Buffer.from('unsolicited pong payload'));
  await assertAlive(ws);
  assert.ok(!ws.frames.some((f) => f.opcode === OP.close));
  ws.destroy();
});

test('an unsolicited pong then a ping gets the pong for the ping', async () => {
  const ws = await open();
  ws.sendFrame(OP.pong, Buffer.from('unsolicited'));
  ws.sendFrame(OP.ping, Buffer.from('solicited'));
  const pong = await ws.nextFrame((f) => f.opcode === OP.pong, 3000, 'pong');
  assert.equal(pong.payload.toString(), 'solicited');
  ws.destroy();
});

test('ten pings in one write get ten pongs in order', async () => {
  const ws = await open();
  ws.raw.write(Buffer.concat(Array.from({ length: 10 }, (_, i) => encodeFrame(OP.ping, `ping ${i}`))));
  for (let i = 0; i < 10; ++i)
    assert.equal((await ws.nextFrame((f) => f.opcode === OP.pong, 3000, `pong ${i}`)).payload.toString(), `ping ${i}`);
  ws.destroy();
});

/// The peak resident memory of a process, in bytes.
function peakRss(pid) {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
}

test('a client that floods pings and never reads does not make the server queue pongs without bound', async () => {
  // 52 MB of pings; their pongs may not all wait in memory for a reader that
  // never comes (the send queue allows 1 MiB).
  await withServer({ ...base, settings: { 'server.send_queue_bytes': 1 << 20 } }, async (s) => {
    const ws = await open(s);
    await assertAlive(ws);
    const before = peakRss(s.proc.pid);
    ws.raw.socket.pause();
    const batch = Buffer.concat(Array.from({ length: 1000 }, () => encodeFrame(OP.ping, Buffer.alloc(125, 0x70))));
    for (let i = 0; i < 400 && !ws.raw.isClosed; ++i) {
      if (!ws.raw.socket.write(batch))
        await new Promise((r) => {
          ws.raw.socket.once('drain', r);
          ws.raw.ended.then(r);
        });
    }
    // Reading again lets the server flush; `nope` answered (or the connection
    // closed) means it has read all the pings.
    ws.raw.socket.resume();
    if (!ws.raw.isClosed) {
      ws.sendFrame(OP.text, nope());
      await Promise.race([ws.nextEvent('error', 30000).catch(() => {}), ws.raw.ended]);
    }
    const growth = peakRss(s.proc.pid) - before;
    assert.ok(growth < 24 << 20, `the server's peak memory grew by ${(growth / 1048576).toFixed(1)} MiB`);
    ws.destroy();
    assert.equal((await httpGet(s, '/healthz')).status, 200);
  });
});

// -- 3 reserved bits -------------------------------------------------------------

for (let rsv = 1; rsv <= 7; ++rsv) {
  test(`a text frame with reserved bits ${rsv.toString(2).padStart(3, '0')} closes with 1002`,
    async () => {
      const ws = await open();
      await assertAlive(ws);
      const bad = encodeFrame(OP.text, nope());
      bad[0] |= rsv << 4;
      ws.raw.write(Buffer.concat([bad, encodeFrame(OP.ping, 'after')]));
      await assertClosedWith(ws, 1002);
      assert.ok(!ws.frames.some((f) => f.opcode === OP.pong), 'nothing after the bad frame is answered');
    });
}

for (const [what, op] of [['binary', OP.binary], ['ping', OP.ping], ['close', OP.close]]) {
  test(`a ${what} frame with a reserved bit closes with 1002`, async () => {
    const ws = await open();
    const bad = encodeFrame(op, op === OP.close ? closeBody(1000) : Buffer.from('x'));
    bad[0] |= 0x40;
    ws.raw.write(bad);
    await assertClosedWith(ws, 1002);
  });
}

// -- 4 reserved opcodes ----------------------------------------------------------

for (const op of [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]) {
  const kind = op < 8 ? 'data' : 'control';
  test(`reserved ${kind} opcode ${op.toString(16)} closes with 1002`, async () => {
    const ws = await open();
    await assertAlive(ws);
    ws.raw.write(Buffer.concat([encodeFrame(op, op % 2 ? 'payload' : ''), encodeFrame(OP.ping, 'after')]));
    await assertClosedWith(ws, 1002);
    assert.ok(!ws.frames.some((f) => f.opcode === OP.pong), 'nothing after the bad frame is answered');
  });
}

// -- 5 fragmentation -------------------------------------------------------------

test('a fragmented ping closes with 1002', async () => {
  const ws = await open();
  ws.raw.write(Buffer.concat([encodeFrame(OP.ping, 'frag', { fin: false }), encodeFrame(OP.continuation, 'ment')]));
  await assertClosedWith(ws, 1002);
});

test('a fragmented pong closes with 1002', async () => {
  const ws = await open();
  ws.raw.write(Buffer.concat([encodeFrame(OP.pong, 'frag', { fin: false }), encodeFrame(OP.continuation, 'ment')]));
  await assertClosedWith(ws, 1002);
});

test('a fragmented close closes with 1002', async () => {
  const ws = await open();
  ws.raw.write(encodeFrame(OP.close, closeBody(1000), { fin: false }));
  await assertClosedWith(ws, 1002);
});

test('a text message in two fragments is assembled', async () => {
  const ws = await open();
  const msg = nope(40);
  ws.raw.write(Buffer.concat([encodeFrame(OP.text, msg.subarray(0, 13), { fin: false }),
    encodeFrame(OP.continuation, msg.subarray(13))]));
  assert.equal((await nextError(ws)).code, 'UNKNOWN_EVENT');
  ws.destroy();
});

test('a ping between two fragments is answered before the message', async () => {
  const ws = await open();
  const msg = nope();
  ws.raw.write(Buffer.concat([encodeFrame(OP.text, msg.subarray(0, 10), { fin: false }), encodeFrame(OP.ping, 'between'),
    encodeFrame(OP.continuation, msg.subarray(10))]));
  assert.equal((await nextError(ws)).code, 'UNKNOWN_EVENT');
  const pong = ws.frames.findIndex((f) => f.opcode === OP.pong);
  const reply = ws.frames.findIndex((f) => f.opcode === OP.text);
  assert.ok(pong >= 0 && pong < reply, 'the pong comes first');
  assert.equal(ws.frames[pong].payload.toString(), 'between');
  ws.destroy();
});

test('a pong between two fragments is ignored', async () => {
  const ws = await open();
  const msg = nope();
  ws.raw.write(Buffer.concat([encodeFrame(OP.text, msg.subarray(0, 10), { fin: false }), encodeFrame(OP.pong, 'stray'),
    encodeFrame(OP.continuation, msg.subarray(10))]));
  assert.equal((await nextError(ws)).code, 'UNKNOWN_EVENT');
  ws.destroy();
});

test('a message in one-byte fragments with pings between, written in small chunks, is assembled', async () => {
  const ws = await open();
  const msg = nope();
  const frames = [];
  for (let i = 0; i < msg.length; ++i) {
    frames.push(encodeFrame(i === 0 ? OP.text : OP.continuation, msg.subarray(i, i + 1), { fin: i === msg.length - 1 }));
    if (i % 5 === 0)
      frames.push(encodeFrame(OP.ping, `p${i}`));
  }
  await trickle(ws, Buffer.concat(frames), 3);
  assert.equal((await nextError(ws)).code, 'UNKNOWN_EVENT');
  for (let i = 0; i < msg.length; i += 5)
    assert.equal((await ws.nextFrame((f) => f.opcode === OP.pong, 3000, `pong p${i}`)).payload.toString(), `p${i}`);
  ws.destroy();
});

test('a final continuation without a start closes with 1002', async () => {
  const ws = await open();
  ws.sendFrame(OP.continuation, 'orphan');
  await assertClosedWith(ws, 1002);
});

test('an unfinished continuation without a start closes with 1002', async () => {
  const ws = await open();
  ws.sendFrame(OP.continuation, 'orphan', { fin: false });
  await assertClosedWith(ws, 1002);
});

test('a continuation after a finished message closes with 1002', async () => {
  const ws = await open();
  const msg = nope();
  ws.raw.write(Buffer.concat([encodeFrame(OP.text, msg.subarray(0, 10), { fin: false }),
    encodeFrame(OP.continuation, msg.subarray(10))]));
  assert.equal((await nextError(ws)).code, 'UNKNOWN_EVENT');
  ws.sendFrame(OP.continuation, 'again');
  await assertClosedWith(ws, 1002);
});

test('a new text frame inside a fragmented message closes with 1002', async () => {
  const ws = await open();
  ws.raw.write(Buffer.concat([encodeFrame(OP.text, '{"event":', { fin: false }), encodeFrame(OP.text, nope())]));
  await assertClosedWith(ws, 1002);
});

// -- 6 UTF-8 -----------------------------------------------------------------------

test('an empty text message in three empty fragments is assembled', async () => {
  const ws = await open();
  ws.raw.write(Buffer.concat([encodeFrame(OP.text, '', { fin: false }), encodeFrame(OP.continuation, '', { fin: false }),
    encodeFrame(OP.continuation, '')]));
  assert.equal((await nextError(ws)).code, 'INVALID_JSON');
  await assertAlive(ws);
  ws.destroy();
});

test('valid multi-byte UTF-8 arrives intact', async () => {
  const ws = await open();
  const name = `Hello-µ@ßöäüàá-${KOSME}-€-𝄞`;
  ws.sendFrame(OP.text, JSON.stringify({ event: name, data: {} }));
  const err = await nextError(ws);
  assert.equal(err.code, 'UNKNOWN_EVENT');
  assert.equal(err.event, name);
  ws.destroy();
});

test('the first and last code points of each UTF-8 length are accepted', async () => {
  const ws = await open();
  const boundaries = ['\u0080', '\u07ff', '\u0800', '\ud7ff', '\ue000', '\ufffd', '\uffff', '\u{10000}', '\u{10ffff}'];
  ws.sendFrame(OP.text, nopeWith(Buffer.from(boundaries.join(' '))));
  assert.equal((await nextError(ws)).code, 'UNKNOWN_EVENT');
  ws.destroy();
});

test('valid UTF-8 split into two fragments at every byte is assembled', async () => {
  const ws = await open();
  const name = `${KOSME}-𝄞-€`;
  const msg = Buffer.from(JSON.stringify({ event: name, data: {} }));
  for (let cut = 0; cut <= msg.length; ++cut) {
    ws.raw.write(Buffer.concat([encodeFrame(OP.text, msg.subarray(0, cut), { fin: false }),
      encodeFrame(OP.continuation, msg.subarray(cut))]));
    assert.equal((await nextError(ws)).event, name, `cut at ${cut}`);
  }
  ws.destroy();
});

test('valid UTF-8 in one-byte fragments is assembled', async () => {
  const ws = await open();
  const name = `${KOSME}-𝄞`;
  const msg = Buffer.from(JSON.stringify({ event: name, data: {} }));
  ws.raw.write(Buffer.concat([...msg].map((b, i) => encodeFrame(i === 0 ? OP.text : OP.continuation, Buffer.from([b]),
    { fin: i === msg.length - 1 }))));
  assert.equal((await nextError(ws)).event, name);
  ws.destroy();
});

const invalidUtf8 = [
  ['a lone continuation byte', [0x80]],
  ['the impossible bytes FE and FF', [0xfe, 0xff]],
  ['a lead byte followed by ASCII', [0xc3, 0x41]],
  ['an overlong two-byte slash', [0xc0, 0xaf]],
  ['an overlong three-byte slash', [0xe0, 0x80, 0xaf]],
  ['an overlong four-byte slash', [0xf0, 0x80, 0x80, 0xaf]],
  ['the surrogate U+D800', [0xed, 0xa0, 0x80]],
  ['the surrogate U+DFFF', [0xed, 0xbf, 0xbf]],
  ['a code point over U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ['a five-byte form', [0xf8, 0x88, 0x80, 0x80, 0x80]],
];

for (const [what, bytes] of invalidUtf8) {
  test(`a text message with ${what} closes with 1007`, async () => {
    const ws = await open();
    ws.sendFrame(OP.text, nopeWith(Buffer.concat([Buffer.from(KOSME), Buffer.from(bytes), Buffer.from('edited')])));
    await assertClosedWith(ws, 1007);
  });
}

test('invalid UTF-8 in one-byte fragments closes with 1007', async () => {
  const ws = await open();
  const msg = nopeWith(Buffer.from([0xce, 0xba, 0xed, 0xa0, 0x80, 0x41]));
  ws.raw.write(Buffer.concat([...msg].map((b, i) => encodeFrame(i === 0 ? OP.text : OP.continuation, Buffer.from([b]),
    { fin: i === msg.length - 1 }))));
  await assertClosedWith(ws, 1007);
});

test('a surrogate split across two fragments closes with 1007', async () => {
  const ws = await open();
  const msg = nopeWith(Buffer.from([0xed, 0xa0, 0x80]));
  const cut = msg.indexOf(0xed) + 1;
  ws.raw.write(Buffer.concat([encodeFrame(OP.text, msg.subarray(0, cut), { fin: false }),
    encodeFrame(OP.continuation, msg.subarray(cut))]));
  await assertClosedWith(ws, 1007);
});

test('invalid UTF-8 in a first fragment closes with 1007 before the message is finished', async () => {
  const ws = await open();
  const start = Buffer.concat([Buffer.from('{"event":"nope","data":{"s":"'), Buffer.from(KOSME), Buffer.from([0xf4, 0x90, 0x80, 0x80])]);
  ws.sendFrame(OP.text, start, { fin: false });
  // The rest never comes: the server must not wait for it.
  await assertClosedWith(ws, 1007);
});

test('invalid UTF-8 in a middle fragment closes with 1007 before the message is finished', async () => {
  const ws = await open();
  ws.raw.write(Buffer.concat([encodeFrame(OP.text, `{"event":"nope","data":{"s":"${KOSME}`, { fin: false }),
    encodeFrame(OP.continuation, Buffer.from([0xf4, 0x90, 0x80, 0x80]), { fin: false })]));
  await assertClosedWith(ws, 1007);
});

test('invalid UTF-8 in a partly written frame closes with 1007 before the frame is complete', async () => {
  const ws = await open();
  const frame = encodeFrame(OP.text, nopeWith(Buffer.concat([Buffer.from(KOSME), Buffer.from([0xf4, 0x90, 0x80, 0x80]),
    Buffer.alloc(1000, 0x61)])));
  const badAt = frame.length - 1000 - 3 - 2; // inside 0xf4 0x90 ...
  ws.raw.write(frame.subarray(0, badAt + 1));
  await assertClosedWith(ws, 1007);
});

test('a text message ending inside a character closes with 1007', async () => {
  const ws = await open();
  ws.sendFrame(OP.text, Buffer.concat([nope(), Buffer.from([0xf0, 0x9d, 0x84])]));
  await assertClosedWith(ws, 1007);
});

test('a fragmented text message ending inside a character closes with 1007', async () => {
  const ws = await open();
  ws.raw.write(Buffer.concat([encodeFrame(OP.text, nope(), { fin: false }),
    encodeFrame(OP.continuation, Buffer.from([0xe2, 0x82]))]));
  await assertClosedWith(ws, 1007);
});

// -- 7 close handling ------------------------------------------------------------

test('a close without a body is answered with a close and the connection ends', async () => {
  const ws = await open();
  ws.sendFrame(OP.close, Buffer.alloc(0));
  const close = await ws.nextClose();
  assert.ok([1000, 1005].includes(close.code), `answered with ${close.code}`);
  await ws.raw.waitEnd(5000);
});

test('frames after a close are not answered', async () => {
  const ws = await open();
  ws.raw.write(Buffer.concat([encodeFrame(OP.close, closeBody(1000)), encodeFrame(OP.text, nope()),
    encodeFrame(OP.ping, 'late')]));
  assert.equal((await ws.nextClose()).code, 1000);
  await ws.raw.waitEnd(5000);
  assert.deepEqual(ws.frames.map((f) => f.opcode), [OP.close]);
});

for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999]) {
  test(`close code ${code} is echoed`, async () => {
    const ws = await open();
    ws.sendFrame(OP.close, closeBody(code, 'bye'));
    assert.equal((await ws.nextClose()).code, code);
    await ws.raw.waitEnd(5000);
  });
}

for (const code of [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999, 5000, 65535]) {
  test(`invalid close code ${code} is answered with 1002`, async () => {
    const ws = await open();
    ws.sendFrame(OP.close, closeBody(code));
    assert.equal((await ws.nextClose()).code, 1002);
    await ws.raw.waitEnd(5000);
  });
}

test('a close with a 1-byte payload closes with 1002', async () => {
  const ws = await open();
  ws.sendFrame(OP.close, Buffer.from([0x03]));
  await assertClosedWith(ws, 1002);
});

test('a close with a 123-byte UTF-8 reason is answered', async () => {
  const ws = await open();
  ws.sendFrame(OP.close, closeBody(1000, Buffer.concat([Buffer.from(KOSME), Buffer.alloc(123 - Buffer.byteLength(KOSME), 0x2a)])));
  assert.equal((await ws.nextClose()).code, 1000);
  await ws.raw.waitEnd(5000);
});

test('a close frame over 125 bytes closes with 1002', async () => {
  const ws = await open();
  ws.sendFrame(OP.close, closeBody(1000, Buffer.alloc(124, 0x2a)));
  await assertClosedWith(ws, 1002);
});

test('a close reason that is not UTF-8 closes with 1007', async () => {
  const ws = await open();
  ws.sendFrame(OP.close, closeBody(1000, Buffer.concat([Buffer.from(KOSME), Buffer.from([0xed, 0xa0, 0x80])])));
  await assertClosedWith(ws, 1007);
});

// -- 9 limits ------------------------------------------------------------------------

test('a text message one byte over server.max_frame_bytes gets MESSAGE_TOO_LARGE and the connection goes on', async () => {
  const ws = await open();
  ws.sendFrame(OP.text, nope(MAX_FRAME_BYTES + 1));
  assert.equal((await nextError(ws, 5000)).code, 'MESSAGE_TOO_LARGE');
  await assertAlive(ws);
  ws.destroy();
});

test('a fragmented text message over server.max_frame_bytes gets MESSAGE_TOO_LARGE and the connection goes on', async () => {
  const ws = await open();
  const msg = nope(MAX_FRAME_BYTES + 1000);
  const frames = [];
  for (let i = 0; i < msg.length; i += 4096)
    frames.push(encodeFrame(i === 0 ? OP.text : OP.continuation, msg.subarray(i, i + 4096), { fin: i + 4096 >= msg.length }));
  ws.raw.write(Buffer.concat(frames));
  assert.equal((await nextError(ws, 5000)).code, 'MESSAGE_TOO_LARGE');
  await assertAlive(ws);
  ws.destroy();
});

test('a 1 MiB text message is skipped with MESSAGE_TOO_LARGE and the connection goes on', async () => {
  const ws = await open();
  ws.sendFrame(OP.text, nope(1 << 20));
  assert.equal((await nextError(ws, 10000)).code, 'MESSAGE_TOO_LARGE');
  await assertAlive(ws);
  ws.destroy();
});

// -- 12/13 permessage-deflate ------------------------------------------------------

const WS_OFFER = 'permessage-deflate; client_max_window_bits'; // what npm ws and browsers send
const SYNC_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

function openDeflate(extensions = WS_OFFER) {
  return RawWebSocket.open(server.port, PATH, { extensions });
}

/// A message compressed as a client without context takeover does (RFC 7692 7.2.1).
function deflate(data) {
  const out = zlib.deflateRawSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - 4);
}

function inflate(data) {
  return zlib.inflateRawSync(Buffer.concat([data, SYNC_TAIL]), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
}

/// A masked frame of a compressed message: RSV1 set on it.
function compressedFrame(opcode, payload, opts) {
  const f = encodeFrame(opcode, payload, opts);
  f[0] |= 0x40;
  return f;
}

function extensionsOf(head) {
  return /^sec-websocket-extensions: (.*)$/im.exec(head)?.[1] ?? null;
}

test('the handshake accepts a permessage-deflate offer with server_no_context_takeover', async () => {
  const ws = await openDeflate();
  assert.equal(extensionsOf(ws.head),
    'permessage-deflate; server_no_context_takeover; client_no_context_takeover');
  ws.destroy();
  const none = await open();
  assert.equal(extensionsOf(none.head), null);
  none.destroy();
  const other = await openDeflate('x-webkit-deflate-frame, permessage-deflate; mystery');
  assert.equal(extensionsOf(other.head), null, 'unknown extensions and parameters are declined');
  await assertAlive(other);
  other.destroy();
});

test('hostile Sec-WebSocket-Extensions headers are declined and the upgrade still works', async () => {
  for (const offer of ['"', ';;;,,,', 'permessage-deflate; client_max_window_bits="', 'a'.repeat(6000),
    'permessage-deflate; server_max_window_bits=99', `permessage-deflate; x="${'\\'.repeat(1000)}`]) {
    const ws = await openDeflate(offer);
    assert.equal(extensionsOf(ws.head), null, offer.slice(0, 40));
    await assertAlive(ws);
    ws.destroy();
  }
});

test('a compressed text message is inflated and answered', async () => {
  const ws = await openDeflate();
  ws.raw.write(compressedFrame(OP.text, deflate(nope(3000))));
  assert.equal((await nextError(ws)).code, 'UNKNOWN_EVENT');
  ws.destroy();
});

test('a fragmented compressed message with a ping between its fragments is inflated', async () => {
  const ws = await openDeflate();
  const c = deflate(nope(5000));
  ws.raw.write(Buffer.concat([
    compressedFrame(OP.text, c.subarray(0, 5), { fin: false }),
    encodeFrame(OP.ping, 'mid'),
    encodeFrame(OP.continuation, c.subarray(5, 9), { fin: false }),
    encodeFrame(OP.continuation, c.subarray(9)),
  ]));
  assert.equal((await nextError(ws)).code, 'UNKNOWN_EVENT');
  assert.ok(ws.frames.some((f) => f.opcode === OP.pong && f.payload.toString() === 'mid'));
  ws.destroy();
});

test('large server messages arrive compressed and small ones plain', async () => {
  const ws = await openDeflate();
  ws.raw.write(joinFrame('zed'));
  const textOf = (f) => (f.rsv1 ? inflate(f.payload) : f.payload).toString();
  await ws.nextFrame((f) => f.opcode === OP.text && textOf(f).includes('"event":"chat-history"'), 3000, 'history');
  ws.unread.length = 0; // what came before may be compressed: nextError would not parse it
  await assertAlive(ws); // a small answer: sent plain
  assert.ok(!ws.frames.at(-1).rsv1);
  const message = 'compressible chat text. '.repeat(60);
  ws.send('chat-message', { message });
  const f = await ws.nextFrame((x) => x.opcode === OP.text && x.rsv1, 3000, 'a compressed frame');
  assert.ok(f.payload.length < message.length / 4);
  const m = JSON.parse(inflate(f.payload).toString());
  assert.equal(m.event, 'chat-message');
  assert.equal(m.data.message, message.trim());
  ws.destroy();
});

test('server_max_window_bits is honoured: only messages that fit the window arrive compressed', async () => {
  const ws = await openDeflate('permessage-deflate; server_max_window_bits=9');
  assert.equal(extensionsOf(ws.head),
    'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9');
  ws.raw.write(joinFrame('win'));
  const textOf = (f) => (f.rsv1 ? inflate(f.payload) : f.payload).toString();
  await ws.nextFrame((f) => f.opcode === OP.text && textOf(f).includes('"event":"chat-history"'), 3000, 'history');
  const small = 'fits in the window. '.repeat(15).trim(); // a frame under 512 bytes
  const large = 'does not fit in the window. '.repeat(40).trim();
  const compressed = [];
  for (const message of [small, large]) {
    ws.send('chat-message', { message });
    const f = await ws.nextFrame((x) => x.opcode === OP.text && textOf(x).includes(message.slice(0, 30)), 3000,
      'the chat message');
    const plainSize = Buffer.byteLength(textOf(f));
    assert.equal(f.rsv1, plainSize <= 512, `${plainSize}-byte message, compressed: ${f.rsv1}`);
    assert.equal(JSON.parse(textOf(f)).data.message, message);
    compressed.push(f.rsv1);
  }
  assert.deepEqual(compressed, [true, false]);
  ws.destroy();
});

test('RSV1 on a continuation frame closes with 1002', async () => {
  const ws = await openDeflate();
  const c = deflate(nope(500));
  ws.raw.write(Buffer.concat([compressedFrame(OP.text, c.subarray(0, 4), { fin: false }),
    compressedFrame(OP.continuation, c.subarray(4))]));
  await assertClosedWith(ws, 1002);
});

for (const [what, op] of [['ping', OP.ping], ['pong', OP.pong], ['close', OP.close]]) {
  test(`RSV1 on a ${what} frame closes with 1002 even with permessage-deflate`, async () => {
    const ws = await openDeflate();
    ws.raw.write(compressedFrame(op, op === OP.close ? closeBody(1000) : Buffer.from('x')));
    await assertClosedWith(ws, 1002);
  });
}

for (const [what, bits] of [['RSV2', 0x20], ['RSV3', 0x10]]) {
  test(`${what} closes with 1002 even with permessage-deflate`, async () => {
    const ws = await openDeflate();
    const bad = encodeFrame(OP.text, nope());
    bad[0] |= bits;
    ws.raw.write(bad);
    await assertClosedWith(ws, 1002);
  });
}

test('invalid compressed data closes with 1007', async () => {
  const ws = await openDeflate();
  await assertAlive(ws);
  ws.raw.write(compressedFrame(OP.text, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x01])));
  await assertClosedWith(ws, 1007);
});

test('compressed text that is not UTF-8 closes with 1007', async () => {
  const ws = await openDeflate();
  ws.raw.write(compressedFrame(OP.text, deflate(nopeWith(Buffer.from([0xc0, 0xaf])))));
  await assertClosedWith(ws, 1007);
});

test('a zip bomb is inflated no further than the limit and skipped with MESSAGE_TOO_LARGE', async () => {
  const ws = await openDeflate();
  const bomb = deflate(Buffer.alloc(32 << 20, 0x20)); // 32 MiB of spaces, about 32 KiB compressed
  assert.ok(bomb.length < MAX_FRAME_BYTES, `bomb is ${bomb.length} bytes`);
  ws.raw.write(compressedFrame(OP.text, bomb));
  assert.equal((await nextError(ws, 5000)).code, 'MESSAGE_TOO_LARGE');
  await assertAlive(ws);
  ws.destroy();
});

test('with client context takeover a zip bomb closes with 1009', async () => {
  await withServer({ ...base, settings: { 'server.deflate_client_context_takeover': true } }, async (s) => {
    const ws = await RawWebSocket.open(s.port, PATH, { extensions: WS_OFFER });
    assert.equal(extensionsOf(ws.head), 'permessage-deflate; server_no_context_takeover');
    ws.raw.write(compressedFrame(OP.text, deflate(Buffer.alloc(32 << 20, 0x20))));
    await assertClosedWith(ws, 1009, 5000);
  });
});

test('RSV1 without a negotiated extension still closes with 1002', async () => {
  const ws = await open();
  ws.raw.write(compressedFrame(OP.text, deflate(nope())));
  await assertClosedWith(ws, 1002);
});
