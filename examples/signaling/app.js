// A two-peer (or small mesh) WebRTC call signalled through roomcast's
// signaling dialect (ws://HOST/ws, protocols/signaling.md). The newcomer
// offers to everyone listed in room-joined; the others answer; ICE
// candidates are relayed as they come. Without a camera the page sends an
// animated canvas.
//
// Address parameters: server (ws base, default ws://localhost:8080), room,
// peer, name, autojoin=1, token (JWT, when the server requires one),
// ice=none (ignore the server's iceServers: fine on one machine).
//
// Test hook: window.signalingState is a plain snapshot of the call.
(() => {
  'use strict';
  const params = new URLSearchParams(location.search);
  const $ = (id) => document.getElementById(id);
  const S = {
    ws: null, peerId: null, roomId: null, joined: false, iceServers: [], stream: null,
    pcs: new Map(), pendingIce: new Map(), names: new Map(), media: new Map(), errors: [], mode: 'p2p',
  };

  function publish() {
    const connections = {};
    for (const [id, pc] of S.pcs) connections[id] = pc.connectionState;
    window.signalingState = {
      joined: S.joined, peerId: S.peerId, roomId: S.roomId, mode: S.mode,
      peers: [...S.names.keys()], names: Object.fromEntries(S.names), media: Object.fromEntries(S.media),
      connections, errors: [...S.errors], iceServers: S.iceServers,
    };
    $('status').textContent = S.joined ? `in ${S.roomId} as ${S.peerId} (${S.mode}); peers: ${[...S.names.keys()].join(', ') || 'none'}` : 'not in a room';
  }

  function log(line) {
    $('log').textContent += `${new Date().toISOString().slice(11, 23)} ${line}\n`;
  }

  function send(msg) {
    S.ws.send(JSON.stringify({ ...msg, roomId: S.roomId, timestamp: Date.now() }));
  }

  async function localStream() {
    try {
      return await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 180 } });
    } catch {
      const canvas = Object.assign(document.createElement('canvas'), { width: 320, height: 180 });
      const g = canvas.getContext('2d');
      let t = 0;
      setInterval(() => {
        g.fillStyle = `hsl(${(t += 7) % 360} 60% 40%)`;
        g.fillRect(0, 0, 320, 180);
        g.fillStyle = '#fff';
        g.font = '24px sans-serif';
        g.fillText(S.peerId || '', 20, 100);
      }, 100);
      return canvas.captureStream(10);
    }
  }

  function tile(id, label) {
    let t = document.querySelector(`.tile[data-peer="${CSS.escape(id)}"]`);
    if (!t) {
      t = document.createElement('div');
      t.className = 'tile';
      t.dataset.peer = id;
      const v = document.createElement('video');
      v.autoplay = true;
      v.playsInline = true;
      v.muted = id === S.peerId;
      const l = document.createElement('div');
      l.className = 'label';
      t.append(v, l);
      $('videos').append(t);
    }
    t.querySelector('.label').textContent = label; // textContent: names are never HTML
    return t.querySelector('video');
  }

  function connection(remote) {
    let pc = S.pcs.get(remote);
    if (pc) return pc;
    pc = new RTCPeerConnection({ iceServers: params.get('ice') === 'none' ? [] : S.iceServers });
    S.pcs.set(remote, pc);
    for (const track of S.stream.getTracks()) pc.addTrack(track, S.stream);
    pc.onicecandidate = (e) => { if (e.candidate) send({ type: 'ice-candidate', toPeerId: remote, candidate: e.candidate.toJSON() }); };
    pc.ontrack = (e) => { tile(remote, S.names.get(remote) || remote).srcObject = e.streams[0]; };
    pc.onconnectionstatechange = () => { log(`${remote}: ${pc.connectionState}`); publish(); };
    return pc;
  }

  function dropPeer(id) {
    S.pcs.get(id)?.close();
    S.pcs.delete(id);
    S.pendingIce.delete(id);
    S.names.delete(id);
    S.media.delete(id);
    document.querySelector(`.tile[data-peer="${CSS.escape(id)}"]`)?.remove();
  }

  async function flushIce(id) {
    const pc = S.pcs.get(id);
    for (const c of S.pendingIce.get(id) || []) await pc.addIceCandidate(c);
    S.pendingIce.delete(id);
  }

  const handlers = {
    async 'room-joined'(m) {
      S.joined = true;
      S.iceServers = m.iceServers;
      for (const p of m.peers) {
        S.names.set(p.peerId, p.displayName);
        S.media.set(p.peerId, p.mediaState);
        const pc = connection(p.peerId); // the newcomer offers
        await pc.setLocalDescription(await pc.createOffer());
        send({ type: 'offer', toPeerId: p.peerId, offer: pc.localDescription.toJSON() });
      }
    },
    'peer-joined'(m) { S.names.set(m.peerId, m.displayName); S.media.set(m.peerId, m.mediaState); },
    'peer-left'(m) { dropPeer(m.peerId); },
    async offer(m) {
      const pc = connection(m.fromPeerId);
      await pc.setRemoteDescription(m.offer);
      await flushIce(m.fromPeerId);
      await pc.setLocalDescription(await pc.createAnswer());
      send({ type: 'answer', toPeerId: m.fromPeerId, answer: pc.localDescription.toJSON() });
    },
    async answer(m) {
      await S.pcs.get(m.fromPeerId)?.setRemoteDescription(m.answer);
      await flushIce(m.fromPeerId);
    },
    async 'ice-candidate'(m) {
      const pc = S.pcs.get(m.fromPeerId);
      if (pc?.remoteDescription) await pc.addIceCandidate(m.candidate);
      else S.pendingIce.set(m.fromPeerId, [...(S.pendingIce.get(m.fromPeerId) || []), m.candidate]);
    },
    'media-state-changed'(m) { S.media.set(m.peerId, m.mediaState); },
    'connection-mode-changed'(m) { S.mode = m.mode; },
    'room-closed'() { S.joined = false; for (const id of [...S.pcs.keys()]) dropPeer(id); },
    error(m) { S.errors.push(m.code); },
  };

  async function join() {
    S.roomId = $('room').value.trim();
    S.peerId = $('peer').value.trim();
    S.stream ??= await localStream();
    tile(S.peerId, `${$('name').value || S.peerId} (you)`).srcObject = S.stream;
    const base = params.get('server') || 'ws://localhost:8080';
    const token = params.get('token');
    S.ws = new WebSocket(`${base}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`);
    S.ws.onmessage = async (e) => {
      const m = JSON.parse(e.data);
      log(`<- ${m.type}${m.code ? ` ${m.code}` : ''}${m.fromPeerId ? ` from ${m.fromPeerId}` : ''}`);
      try { await handlers[m.type]?.(m); } catch (err) { log(`! ${err}`); }
      publish();
    };
    S.ws.onclose = (e) => { log(`closed ${e.code}`); S.joined = false; publish(); };
    S.ws.onopen = () => send({
      type: 'join-room', peerId: S.peerId, displayName: $('name').value || S.peerId,
      mediaState: { audio: !$('mute').checked, video: true, screen: false },
    });
    $('btn-join').disabled = true;
    $('btn-leave').disabled = false;
  }

  $('join-form').addEventListener('submit', (e) => { e.preventDefault(); join(); });
  $('btn-leave').addEventListener('click', () => {
    send({ type: 'leave-room' });
    for (const id of [...S.pcs.keys()]) dropPeer(id);
    S.joined = false;
    $('btn-join').disabled = false;
    $('btn-leave').disabled = true;
    S.ws.close(1000);
    publish();
  });
  $('mute').addEventListener('change', () => {
    for (const t of S.stream?.getAudioTracks() || []) t.enabled = !$('mute').checked;
    if (S.joined) send({ type: 'media-state-changed', mediaState: { audio: !$('mute').checked, video: true, screen: false } });
  });

  $('room').value = params.get('room') || 'demo';
  $('peer').value = params.get('peer') || `peer-${Math.random().toString(36).slice(2, 8)}`;
  $('name').value = params.get('name') || '';
  publish();
  if (params.get('autojoin') === '1') join();
})();
