// TLS on the gateway: https:// and wss:// on one port for every route, with
// a certificate chain made at test time by the openssl CLI; TLS 1.2+ only;
// plain HTTP to the port is answered with a clear 400; SIGHUP swaps the
// certificate for new connections while open ones go on, and a broken file
// keeps the old one; a bad certificate at startup exits with 1.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import tls from 'node:tls';
import { io } from 'socket.io-client';

import { Server } from './lib/server.mjs';
import { Client, roomId } from './lib/client.mjs';
import { tokenFor, connected, ask, next, sign, SECRET } from './lib/chat.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'roomcast-tls-'));
const file = (name) => path.join(dir, name);
const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });

/// An EC key and a certificate for `cn` signed by `issuer` (self-signed if
/// none); `ca`: may sign others.
function issue(name, cn, serial, { issuer, ca = false } = {}) {
  openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
  writeFileSync(file(`${name}.ext`), ca
    ? 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n'
    : 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n'
      + 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  const signer = issuer ? ['-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`] : ['-signkey', `${name}.key`];
  openssl('x509', '-req', '-in', `${name}.csr`, ...signer, '-set_serial', serial, '-days', '2',
    '-extfile', `${name}.ext`, '-out', `${name}.pem`);
}

/// The server's files: the leaf, then the intermediate (a chain), and its key.
function serverFiles(leaf) {
  return {
    cert: readFileSync(file(`${leaf}.pem`), 'utf8') + readFileSync(file('inter.pem'), 'utf8'),
    key: readFileSync(file(`${leaf}.key`), 'utf8'),
  };
}

/// Replaces the served files the way an operator's tooling would (rename over).
function install({ cert, key }) {
  writeFileSync(file('next.pem'), cert);
  writeFileSync(file('next.key'), key);
  renameSync(file('next.pem'), file('served.pem'));
  renameSync(file('next.key'), file('served.key'));
}

issue('root', 'Roomcast Test Root', '0x01', { ca: true });
issue('inter', 'Roomcast Test Intermediate', '0x02', { issuer: 'root', ca: true });
issue('one', 'roomcast-one', '0x1001', { issuer: 'inter' });
issue('two', 'roomcast-two', '0x2002', { issuer: 'inter' });
install(serverFiles('one'));
const ca = readFileSync(file('root.pem'));

let server;
let base;
const tlsSettings = { 'server.tls_cert': file('served.pem'), 'server.tls_key': file('served.key') };

before(async () => {
  server = new Server({ config: 'integration.toml', args: ['--jwt-secret', SECRET], settings: tlsSettings });
  await server.start();
  base = `127.0.0.1:${server.port}`;
});

after(async () => {
  await server?.stop();
  await server?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/// A fresh TLS connection's view of the server certificate.
function peerCertificate() {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: server.port, ca, servername: 'localhost' }, () => {
      const cert = s.getPeerCertificate();
      s.end();
      resolve(cert);
    });
    s.on('error', reject);
  });
}

async function conference(room, name) {
  const c = await new Client(`wss://${base}/room/${room}/websocket`, name, { ca }).open();
  c.joined = await c.join(name);
  return c;
}

async function exchange(a, b, text) {
  a.send('chat-message', { message: `${text} from ${a.name}` });
  await b.next('chat-message', { where: (d) => d.message === `${text} from ${a.name}` });
  b.send('chat-message', { message: `${text} from ${b.name}` });
  await a.next('chat-message', { where: (d) => d.message === `${text} from ${b.name}` });
}

function curl(...args) {
  return spawnSync('curl', ['-sS', '--max-time', '5', ...args], { encoding: 'utf8' });
}

test('wss:// conference: two clients trusting only the root CA join and talk both ways', async () => {
  const room = roomId('tls');
  const a = await conference(room, 'alice');
  const b = await conference(room, 'bob');
  await a.next('peer-joined', { where: (d) => d.peerId === b.peerId });
  await exchange(a, b, 'hello');
  await Promise.all([a.close(), b.close()]);
});

test('wss:// without the CA is refused by the client (the certificate is really checked)', async () => {
  await assert.rejects(new Client(`wss://${base}/room/${roomId('tls')}/websocket`).open(),
    /self[- ]signed|unable to get local issuer|unable to verify/i);
});

test('socket.io-client on /chat over https: polling then upgrade, and websocket only', async () => {
  const room = roomId('tls-chat');
  const polling = io(`https://${base}/chat`, { ca, forceNew: true, reconnection: false, auth: { token: tokenFor('u-poll') } });
  const direct = io(`https://${base}/chat`, { ca, forceNew: true, reconnection: false, transports: ['websocket'],
    auth: { token: tokenFor('u-ws') } });
  for (const s of [polling, direct]) {
    s.received = [];
    s.onAny((event, ...args) => s.received.push({ event, data: args[0] }));
  }
  try {
    await connected(polling);
    await connected(direct);
    assert.equal(direct.io.engine.transport.name, 'websocket');
    // The polling client upgrades to a WebSocket (TLS too) on its own.
    const deadline = Date.now() + 5000;
    while (polling.io.engine.transport.name !== 'websocket' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    assert.equal(polling.io.engine.transport.name, 'websocket', 'no upgrade over TLS');
    for (const s of [polling, direct])
      assert.equal((await ask(s, 'joinRoom', { roomId: room })).success, true);
    const sent = await ask(polling, 'sendMessage', { roomId: room, content: 'secure hello' });
    assert.equal(sent.success, true, JSON.stringify(sent));
    assert.equal((await next(direct, 'receiveMessage', { where: (d) => d.content === 'secure hello', since: 0 })).content,
      'secure hello');
    await ask(direct, 'sendMessage', { roomId: room, content: 'secure reply' });
    await next(polling, 'receiveMessage', { where: (d) => d.content === 'secure reply', since: 0 });
  } finally {
    polling.close();
    direct.close();
  }
});

test('curl --cacert: /healthz and a REST route over https, ALPN http/1.1', () => {
  let r = curl('-v', '--cacert', file('root.pem'), `https://${base}/healthz`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '{"status":"ok"}');
  assert.match(r.stderr, /ALPN.*accepted http\/1\.1|ALPN, server accepted to use http\/1\.1/);
  assert.match(r.stderr, /TLSv1\.3|TLSv1\.2/);
  r = curl('--cacert', file('root.pem'), '-X', 'POST', '-H', 'content-type: application/json',
    '-d', '{"hostPeerId":"alice"}', '-w', '\n%{http_code}', `https://${base}/api/rooms`);
  assert.equal(r.status, 0, r.stderr);
  const [body, code] = r.stdout.split('\n');
  assert.equal(code, '201', r.stdout);
  assert.match(JSON.parse(body).roomId, /^[a-z0-9]{12}$/);
});

test('the console over https: its page and its event stream (a streamed response over TLS)', () => {
  const page = curl('--cacert', file('root.pem'), '-o', '/dev/null', '-w', '%{http_code}', `https://${base}/admin`);
  assert.equal(page.stdout, '200', page.stderr);
  const token = sign({ sub: 'ops', name: 'Ops', role: 'admin' });
  // The stream never ends by itself: curl stops it (exit 28) after what it read.
  const r = spawnSync('curl', ['-sS', '-N', '--max-time', '2.5', '--cacert', file('root.pem'),
    '-H', `Authorization: Bearer ${token}`, `https://${base}/admin/api/events`], { encoding: 'utf8' });
  assert.equal(r.status, 28, r.stderr);
  assert.ok((r.stdout.match(/^event: overview$/gm) ?? []).length >= 2, r.stdout.slice(0, 500));
});

test('python-socketio over TLS: polling with upgrade and websocket only, trusting the CA', () => {
  const r = spawnSync('/usr/bin/python3', [path.join(here, 'tls_python.py'), `https://${base}`, file('root.pem'), SECRET],
    { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /tls_python: ok/);
});

test('plain HTTP to the TLS port gets a clear 400; garbage instead of a handshake is dropped; the server goes on', async () => {
  const res = await fetch(`http://${base}/healthz`);
  assert.equal(res.status, 400);
  assert.match((await res.text()), /speaks HTTPS/);
  // A TLS record header followed by nonsense: the handshake fails, nothing else.
  await new Promise((resolve) => {
    const s = net.connect(server.port, '127.0.0.1', () => s.end(Buffer.from([0x16, 3, 1, 0, 5, 1, 2, 3, 4, 5, 0xff, 0xff])));
    s.on('close', resolve);
    s.on('error', resolve);
    s.resume();
  });
  const r = curl('--cacert', file('root.pem'), `https://${base}/healthz`);
  assert.equal(r.stdout, '{"status":"ok"}', r.stderr);
});

test('TLS 1.1 and non-intermediate ciphers are refused; TLS 1.2 with an intermediate cipher works', () => {
  const sclient = (...args) => spawnSync('openssl', ['s_client', '-connect', base, '-CAfile', file('root.pem'), ...args],
    { input: '', encoding: 'utf8', timeout: 10000 });
  // SECLEVEL=0 so that the client really offers TLS 1.1: the refusal is the server's.
  const old = sclient('-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0');
  assert.notEqual(old.status, 0);
  assert.doesNotMatch(old.stdout, /BEGIN CERTIFICATE/);
  const cbc = sclient('-tls1_2', '-cipher', 'AES128-SHA:@SECLEVEL=0');
  assert.notEqual(cbc.status, 0);
  assert.doesNotMatch(cbc.stdout, /BEGIN CERTIFICATE/);
  const ok = sclient('-tls1_2');
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /BEGIN CERTIFICATE/);
  assert.match(ok.stdout, /Protocol *: TLSv1\.2/);
  assert.match(ok.stdout, /Verify return code: 0 \(ok\)/);
  const r = curl('--tls-max', '1.1', '--tlsv1.1', '--ciphers', 'DEFAULT:@SECLEVEL=0', '--cacert', file('root.pem'),
    `https://${base}/healthz`);
  assert.notEqual(r.status, 0);
});

test('SIGHUP: a new certificate for new connections, open ones go on; a broken file keeps the old one', async () => {
  assert.equal((await peerCertificate()).serialNumber, '1001');
  const room = roomId('tls-hup');
  const a = await conference(room, 'carol');
  const b = await conference(room, 'dave');
  await a.next('peer-joined', { where: (d) => d.peerId === b.peerId });

  install(serverFiles('two'));
  server.proc.kill('SIGHUP');
  let cert;
  for (const deadline = Date.now() + 5000; Date.now() < deadline;) {
    cert = await peerCertificate();
    if (cert.serialNumber === '2002')
      break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(cert.serialNumber, '2002');
  assert.equal(cert.subject.CN, 'roomcast-two');
  await exchange(a, b, 'after reload');

  // A broken certificate: the reload fails, is logged, and changes nothing.
  writeFileSync(file('served.pem'), '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n');
  server.proc.kill('SIGHUP');
  for (const deadline = Date.now() + 5000; !/TLS reload failed/.test(server.stderr) && Date.now() < deadline;)
    await new Promise((r) => setTimeout(r, 50));
  assert.match(server.stderr, /TLS reload failed.*cannot load TLS certificate/);
  assert.equal((await peerCertificate()).serialNumber, '2002');
  await exchange(a, b, 'after a failed reload');
  const c = await conference(room, 'erin');
  await a.next('peer-joined', { where: (d) => d.peerId === c.peerId });
  await Promise.all([a.close(), b.close(), c.close()]);
  install(serverFiles('one'));
});

test('a bad certificate or key at startup: exit code 1 and a message naming the file', async () => {
  const cases = [
    [{ 'server.tls_cert': file('missing.pem'), 'server.tls_key': file('one.key') }, /cannot load TLS certificate .*missing\.pem/],
    [{ 'server.tls_cert': file('one.pem'), 'server.tls_key': file('two.key') }, /does not match/],
    [{ 'server.tls_cert': file('one.pem') }, /tls_cert and server\.tls_key must be set together/],
  ];
  for (const [settings, message] of cases) {
    const s = new Server({ config: 'integration.toml', settings });
    await assert.rejects(s.start(), (err) => {
      assert.match(err.message, /exited before listening \(code 1/);
      assert.match(err.message, message);
      return true;
    });
    await s.dispose();
  }
});

test('a client silent before or stalled inside the handshake is cut off after server.request_timeout_ms', async () => {
  const s = new Server({ config: 'integration.toml', settings: { ...tlsSettings, 'server.request_timeout_ms': 300 } });
  await s.start();
  try {
    // Nothing at all; then a TLS record header and nothing more.
    for (const first of [null, Buffer.from([0x16, 3, 1, 0, 200, 1])]) {
      const started = Date.now();
      const closedAfter = await new Promise((resolve) => {
        const c = net.connect(s.port, '127.0.0.1', () => first && c.write(first));
        c.on('close', () => resolve(Date.now() - started));
        c.on('error', () => {});
        c.resume();
      });
      assert.ok(closedAfter >= 250 && closedAfter < 5000, `closed after ${closedAfter} ms`);
    }
    const r = curl('--cacert', file('root.pem'), `https://127.0.0.1:${s.port}/healthz`);
    assert.equal(r.stdout, '{"status":"ok"}', r.stderr);
  } finally {
    await s.stop();
    await s.dispose();
  }
});
