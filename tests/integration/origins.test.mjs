// Cross-site WebSocket hijacking: a page from a foreign origin must not open
// a socket (or poll Socket.IO) with the user's cookies. Clients without an
// Origin header are not browsers and are let in.

import test from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { withServer } from './lib/server.mjs';

/// Resolves with the HTTP status of the upgrade (101 when it opened).
function upgradeStatus(url, headers = {}) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => { ws.close(); resolve(101); });
    ws.on('unexpected-response', (_req, res) => { res.resume(); resolve(res.statusCode); });
    ws.on('error', () => {});
  });
}

test('in production only the same origin and listed origins may open a WebSocket', async () => {
  const settings = { 'server.env': 'production', 'server.cors_origins': 'https://app.example' };
  await withServer({ settings }, async (server) => {
    const url = server.roomUrl('origins');
    const host = `127.0.0.1:${server.port}`;
    assert.equal(await upgradeStatus(url), 101, 'no Origin: not a browser');
    assert.equal(await upgradeStatus(url, { Origin: `http://${host}` }), 101, 'the same origin');
    assert.equal(await upgradeStatus(url, { Origin: 'https://app.example' }), 101, 'a listed origin');
    assert.equal(await upgradeStatus(url, { Origin: 'https://evil.example' }), 403, 'a foreign origin');
  });
});

test('a dialect may list its own origins', async () => {
  const settings = { 'server.env': 'production', 'conference.allowed_origins': 'https://meet.example' };
  await withServer({ settings }, async (server) => {
    const url = server.roomUrl('origins');
    assert.equal(await upgradeStatus(url, { Origin: 'https://meet.example' }), 101);
    assert.equal(await upgradeStatus(url, { Origin: 'https://app.example' }), 403);
  });
});

test('in development any origin may connect, so the example pages work from anywhere', async () => {
  await withServer({}, async (server) => {
    assert.equal(await upgradeStatus(server.roomUrl('origins'), { Origin: 'http://localhost:5173' }), 101);
  });
});
