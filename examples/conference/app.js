// Roomcast conference example: a small meeting client in plain browser JS
// (no build step, no dependencies). It speaks the conference dialect
// (shared/protocols/conference.md): {"event": E, "data": {...}} over
// ws://HOST/room/{roomId}/websocket, and builds a full mesh of
// RTCPeerConnections whose offers, answers and ICE candidates the server relays.
//
// Who offers: the newcomer. On `peers` a client creates a connection to every
// peer already in the room and offers; members that get `peer-joined` wait for
// that offer. Renegotiation (ICE restarts) uses the "perfect negotiation"
// pattern, so an offer collision (glare) resolves itself: the peer with the
// smaller peerId is polite and rolls back its own offer.
//
// Test hook: window.roomcastState is a plain snapshot of the client's state,
// refreshed on every change (see publish()).
'use strict';

(() => {
  const REACTIONS = ['👍', '❤️', '😂', '🎉', '👏', '🤔'];
  const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
  const MAX_BACKOFF_MS = 30000;
  const params = new URLSearchParams(location.search);
  const $ = (id) => document.getElementById(id);

  // -- state ------------------------------------------------------------------

  const S = {
    server: '', room: '', name: '',
    ws: null, status: 'offline',
    joined: false, everJoined: false, leaving: false, kicked: false,
    attempt: 0, retryTimer: null, identityReset: false,
    peerId: null, hostId: null, coHostIds: new Set(),
    roomLocked: false, chatEnabled: true,
    participants: new Map(), // peerId -> {peerId, username, isHost, isCoHost, handRaised, screenSharing}
    pcs: new Map(), // peerId -> peer (see createPeer)
    chat: [], reactionLog: [], errors: [],
    localStream: null, audioTrack: null, cameraTrack: null, mediaKind: 'none', canvasTimer: null,
    screenStream: null, screenTrack: null, sharing: false,
    micMuted: false, camOff: false, handRaised: false, kickArmed: null,
    iceServers: (params.get('ice') || '').split(',').filter(Boolean).map((u) => ({ urls: u.trim() })),
  };

  const isAdmin = () => S.peerId !== null && (S.hostId === S.peerId || S.coHostIds.has(S.peerId));
  const nameOf = (id) => (id === S.peerId ? S.name : S.participants.get(id)?.username || id);

  /// Usernames and chat text arrive HTML-escaped (the server's default,
  /// conference.escape_html): safe even for a page that used innerHTML. This
  /// page shows text with textContent, so it turns the five entities the
  /// server writes back into characters first.
  const entities = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#x27;': "'" };
  function decode(s) {
    return String(s ?? '').replace(/&(amp|lt|gt|quot|#x27);/g, (e) => entities[e]);
  }

  // -- identity (sessionStorage): same peerId + resumeToken across reconnects and reloads

  const identityKey = () => `roomcast.conference:${S.server}:${S.room}`;
  function loadIdentity() {
    try { return JSON.parse(sessionStorage.getItem(identityKey())) || {}; } catch { return {}; }
  }
  function saveIdentity(id) {
    try { sessionStorage.setItem(identityKey(), JSON.stringify(id)); } catch { /* private mode */ }
  }
  function newPeerId() {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
    const bytes = crypto.getRandomValues(new Uint8Array(12));
    return 'peer_' + Array.from(bytes, (b) => alphabet[b % 36]).join('');
  }

  // -- test hook ----------------------------------------------------------------

  function publish() {
    window.roomcastState = {
      status: S.status,
      joined: S.joined,
      peerId: S.peerId,
      hostId: S.hostId,
      isHost: S.peerId !== null && S.hostId === S.peerId,
      isCoHost: S.peerId !== null && S.coHostIds.has(S.peerId),
      roomLocked: S.roomLocked,
      chatEnabled: S.chatEnabled,
      peers: [...S.participants.keys()].filter((id) => id !== S.peerId),
      participants: [...S.participants.values()].map((p) => ({ ...p })),
      connections: Object.fromEntries([...S.pcs].map(([id, p]) => [id, p.pc.connectionState])),
      chat: S.chat.map((m) => ({ ...m })),
      reactions: S.reactionLog.slice(-50),
      raisedHands: [...S.participants.values()].filter((p) => p.handRaised).map((p) => p.peerId),
      handRaised: S.handRaised,
      sharing: S.sharing,
      micMuted: S.micMuted,
      media: S.mediaKind,
      kicked: S.kicked,
      reconnectAttempt: S.attempt,
      errors: S.errors.slice(-20),
    };
  }

  // -- UI helpers ---------------------------------------------------------------

  function el(tag, props = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('data-')) e.setAttribute(k, v);
      else e[k] = v;
    }
    for (const c of children) if (c) e.append(c);
    return e;
  }

  function toast(text, kind = 'info', ms = 4000) {
    const t = el('div', { class: `toast ${kind}`, text });
    $('toasts').append(t);
    setTimeout(() => t.remove(), ms);
  }

  function showError(code, message, event) {
    S.errors.push({ code, message, event: event ?? null, at: Date.now() });
    toast(`${message}${code ? ` (${code})` : ''}`, 'error', 6000);
    publish();
  }

  function setStatus(text, ok = false) {
    S.status = text;
    $('status').textContent = text;
    $('status').classList.toggle('ok', ok);
    publish();
  }

  // -- local media --------------------------------------------------------------

  /// Camera + mic; without them (no devices, refused, insecure context) a
  /// canvas stream stands in for the camera so the others still see a tile.
  async function acquireMedia() {
    const md = navigator.mediaDevices;
    let stream = null;
    if (md?.getUserMedia) {
      try {
        stream = await md.getUserMedia({ audio: true, video: { width: { ideal: 640 }, height: { ideal: 360 } } });
        S.mediaKind = 'camera';
      } catch (err) {
        console.warn('camera + mic unavailable:', err.name);
        try {
          stream = await md.getUserMedia({ audio: true });
        } catch { stream = null; }
      }
    }
    if (!stream) stream = new MediaStream();
    if (!stream.getVideoTracks().length) {
      const track = canvasTrack();
      if (track) {
        stream.addTrack(track);
        S.mediaKind = stream.getAudioTracks().length ? 'mic+canvas' : 'canvas';
      } else {
        S.mediaKind = stream.getAudioTracks().length ? 'mic' : 'none';
      }
    }
    S.localStream = stream;
    S.audioTrack = stream.getAudioTracks()[0] || null;
    S.cameraTrack = stream.getVideoTracks()[0] || null;
    if (S.audioTrack) S.audioTrack.enabled = !S.micMuted;
    if (S.cameraTrack) S.cameraTrack.enabled = !S.camOff;
  }

  function canvasTrack() {
    const canvas = el('canvas', { width: 640, height: 360 });
    if (!canvas.captureStream) return null;
    const g = canvas.getContext('2d');
    let hue = Math.floor(Math.random() * 360);
    const draw = () => {
      hue = (hue + 1) % 360;
      g.fillStyle = `hsl(${hue} 45% 30%)`;
      g.fillRect(0, 0, 640, 360);
      g.fillStyle = '#fff';
      g.font = 'bold 48px system-ui, sans-serif';
      g.textAlign = 'center';
      g.fillText(S.name || 'Guest', 320, 170);
      g.font = '24px system-ui, sans-serif';
      g.fillText(`no camera · ${new Date().toLocaleTimeString()}`, 320, 220);
    };
    draw();
    S.canvasTimer = setInterval(draw, 100);
    return canvas.captureStream(10).getVideoTracks()[0] || null;
  }

  function releaseMedia() {
    clearInterval(S.canvasTimer);
    for (const s of [S.localStream, S.screenStream]) s?.getTracks().forEach((t) => t.stop());
    Object.assign(S, { localStream: null, audioTrack: null, cameraTrack: null, screenStream: null, screenTrack: null, sharing: false });
  }

  const outgoingVideo = () => S.screenTrack || S.cameraTrack || null;

  // -- signalling socket ---------------------------------------------------------

  function send(event, data = {}) {
    if (S.ws?.readyState !== WebSocket.OPEN) return false;
    S.ws.send(JSON.stringify({ event, data }));
    return true;
  }

  function connect() {
    clearTimeout(S.retryTimer);
    S.retryTimer = null;
    const url = `${S.server.replace(/\/+$/, '')}/room/${encodeURIComponent(S.room)}/websocket`;
    setStatus(S.everJoined ? 'reconnecting…' : 'connecting…');
    let ws;
    try {
      ws = new WebSocket(url);
    } catch (err) {
      showError('', `Bad server URL: ${err.message}`);
      return leave();
    }
    S.ws = ws;
    ws.onopen = () => { if (ws === S.ws) sendJoin(); };
    ws.onmessage = (ev) => {
      if (ws !== S.ws) return;
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return console.warn('not JSON:', ev.data); }
      try { handle(msg); } catch (err) { console.error('handling', msg.event, err); }
      publish();
    };
    ws.onclose = (ev) => {
      if (ws !== S.ws) return;
      S.ws = null;
      S.joined = false;
      onSocketClosed(ev);
    };
  }

  function sendJoin() {
    const id = loadIdentity();
    if (!id.peerId) {
      id.peerId = newPeerId();
      saveIdentity(id);
    }
    // `?token=` (a JWT, for servers that require one) goes along with the join.
    send('join', { peerId: id.peerId, username: S.name, resumeToken: id.resumeToken || undefined, token: params.get('token') || undefined });
  }

  function onSocketClosed(ev) {
    if (S.leaving) return;
    if (ev.code === 4000 || S.kicked) return showRemoved('You were removed from the meeting by the host.');
    if (ev.code === 4001) return showRemoved('This meeting was opened in another tab or window.');
    setStatus('disconnected');
    scheduleReconnect(ev.code === 1006 ? 'connection lost' : `closed (${ev.code}${ev.reason ? ` ${ev.reason}` : ''})`);
  }

  /// Exponential backoff with jitter: 0.5 s, 1 s, 2 s … 30 s.
  function scheduleReconnect(why) {
    if (S.retryTimer || S.leaving || S.kicked) return;
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** S.attempt) * (0.8 + Math.random() * 0.4);
    S.attempt += 1;
    setStatus(`${why}; retrying in ${(delay / 1000).toFixed(1)} s`);
    S.retryTimer = setTimeout(connect, delay);
  }

  window.addEventListener('online', () => {
    if (S.retryTimer) connect();
  });
  window.addEventListener('pageshow', (e) => {
    if (e.persisted) location.reload(); // back from the page cache: its socket is gone
  });
  window.addEventListener('pagehide', () => {
    S.leaving = true;
    S.ws?.close(1000, 'page closed');
  });

  // -- incoming events -------------------------------------------------------------

  function handle({ event, data }) {
    const d = data && typeof data === 'object' ? data : {};
    switch (event) {
      case 'peers': return onPeers(d);
      case 'chat-history': return onChatHistory(d);
      case 'peer-joined': return onPeerJoined(d);
      case 'peer-left': return onPeerLeft(d);
      case 'offer': case 'answer': case 'candidate': return onSignal(event, d);
      case 'room-locked': case 'room-unlocked':
        S.roomLocked = event === 'room-locked';
        toast(S.roomLocked ? '🔒 The room is now locked' : '🔓 The room is now unlocked');
        return renderHeader();
      case 'chat-enabled': case 'chat-disabled':
        S.chatEnabled = event === 'chat-enabled';
        toast(S.chatEnabled ? 'Chat enabled' : 'Chat disabled by the host');
        renderHeader();
        return renderChatState();
      case 'kicked':
        S.kicked = true;
        saveIdentity({ ...loadIdentity(), kicked: true });
        return showRemoved('You were removed from the meeting by the host.');
      case 'raise-hand': case 'lower-hand': return onHand(d.peerId, event === 'raise-hand', d.username);
      case 'reaction': return onReaction(d.peerId, d.emoji);
      case 'chat-message': return addChat([d]);
      case 'screen-share-start': case 'screen-share-stop':
        updateParticipant(d.peerId, { screenSharing: event === 'screen-share-start' });
        return toast(`${nameOf(d.peerId)} ${event === 'screen-share-start' ? 'started' : 'stopped'} sharing their screen`);
      case 'mute-participant':
        if (d.targetPeerId === S.peerId) {
          setMicMuted(true);
          toast(`${nameOf(d.peerId)} muted you`);
        }
        return;
      case 'promote-co-host':
        S.coHostIds.add(d.targetPeerId);
        updateParticipant(d.targetPeerId, { isCoHost: true });
        toast(d.targetPeerId === S.peerId ? 'You are now a co-host' : `${nameOf(d.targetPeerId)} is now a co-host`);
        return renderHeader();
      case 'host-changed': return onHostChanged(d.hostId);
      case 'error': return onError(d);
      default: console.info('unhandled event', event, d);
    }
  }

  function onPeers(d) {
    S.peerId = d.yourId;
    S.hostId = d.hostId ?? null;
    S.roomLocked = !!d.roomLocked;
    S.chatEnabled = d.chatEnabled ?? true;
    S.coHostIds = new Set(d.coHostIds || []);
    saveIdentity({ peerId: d.yourId, resumeToken: d.resumeToken || loadIdentity().resumeToken });
    const wasJoined = S.everJoined;
    S.joined = S.everJoined = true;
    S.attempt = 0;
    S.identityReset = false;
    setStatus('connected', true);

    // A (re)join starts a fresh mesh: the others saw us leave and come back.
    for (const id of [...S.pcs.keys()]) closePeer(id);
    const list = Array.isArray(d.participants) ? d.participants
      : [{ peerId: d.yourId, username: S.name }, ...(d.peers || []).map((peerId) => ({ peerId }))];
    S.participants = new Map();
    const raised = new Set(d.raisedHands || []);
    for (const p of list) {
      S.participants.set(p.peerId, {
        peerId: p.peerId,
        username: decode(p.username || (p.peerId === d.yourId ? S.name : '')),
        isHost: p.isHost ?? p.peerId === S.hostId,
        isCoHost: p.isCoHost ?? S.coHostIds.has(p.peerId),
        handRaised: p.handRaised ?? raised.has(p.peerId),
        screenSharing: !!p.screenSharing,
      });
    }
    if (!S.participants.has(S.peerId))
      S.participants.set(S.peerId, { peerId: S.peerId, username: S.name, isHost: S.hostId === S.peerId, isCoHost: false, handRaised: false, screenSharing: false });
    S.handRaised = S.participants.get(S.peerId).handRaised;
    renderTiles();
    for (const id of d.peers || []) if (id !== S.peerId) createPeer(id, true);
    // A screen share outlives a reconnect; tell the room again.
    if (S.sharing) {
      send('screen-share-start', { peerId: S.peerId });
      updateParticipant(S.peerId, { screenSharing: true });
    }
    if (wasJoined) toast('Reconnected');
    renderAll();
  }

  function onChatHistory(d) {
    S.chat = [];
    $('chat-list').replaceChildren();
    addChat(Array.isArray(d.messages) ? d.messages : []);
  }

  function onPeerJoined({ peerId, username }) {
    if (!peerId || peerId === S.peerId) return;
    if (S.pcs.has(peerId)) closePeer(peerId); // a stale connection of an earlier session
    S.participants.set(peerId, {
      peerId, username: decode(username), isHost: peerId === S.hostId,
      isCoHost: S.coHostIds.has(peerId), handRaised: false, screenSharing: false,
    });
    toast(`${decode(username)} joined`);
    renderAll();
  }

  function onPeerLeft({ peerId }) {
    if (!peerId) return;
    const name = nameOf(peerId);
    closePeer(peerId);
    S.participants.delete(peerId);
    S.coHostIds.delete(peerId);
    toast(`${name} left`);
    renderAll();
  }

  function onHostChanged(hostId) {
    S.hostId = hostId;
    S.coHostIds.delete(hostId);
    for (const p of S.participants.values()) {
      p.isHost = p.peerId === hostId;
      if (p.isHost) p.isCoHost = false;
    }
    toast(hostId === S.peerId ? 'You are now the host' : `${nameOf(hostId)} is now the host`);
    renderAll();
  }

  function onHand(peerId, raised, username) {
    if (!peerId) return;
    updateParticipant(peerId, { handRaised: raised });
    if (peerId === S.peerId) S.handRaised = raised;
    else if (raised) toast(`✋ ${decode(username) || nameOf(peerId)} raised their hand`);
    renderToolbar();
  }

  function onReaction(peerId, emoji) {
    S.reactionLog.push({ peerId, emoji, at: Date.now() });
    const tile = document.querySelector(`.tile[data-peer="${CSS.escape(peerId)}"]`);
    if (tile) {
      const b = el('span', { class: 'burst', text: emoji });
      tile.append(b);
      setTimeout(() => b.remove(), 2000);
    }
    if (peerId !== S.peerId) toast(`${nameOf(peerId)} reacted ${emoji}`, 'info', 2500);
  }

  function onError(d) {
    if (d.event === 'join' && !S.joined) return joinFailed(d);
    showError(d.code, d.message || 'Error', d.event);
  }

  /// The server keeps the socket open after a refused join, so we may try again on it.
  function joinFailed(d) {
    if (d.code === 'UNAUTHORIZED' && (loadIdentity().kicked || /removed/i.test(d.message || ''))) {
      S.kicked = true;
      return showRemoved('You were removed from this meeting by the host.');
    }
    if (d.code === 'UNAUTHORIZED' && !S.identityReset) {
      // Our stored peerId is taken or its resume token is no longer valid:
      // come back as a new participant.
      S.identityReset = true;
      saveIdentity({ peerId: newPeerId() });
      return sendJoin();
    }
    const retryable = ['UNAVAILABLE', 'RATE_LIMITED'].includes(d.code)
      || (S.everJoined && ['ROOM_LOCKED', 'ROOM_FULL'].includes(d.code));
    if (retryable) {
      // e.g. the room was locked while we were away: wait for the host to unlock.
      S.errors.push({ code: d.code, message: d.message, event: 'join', at: Date.now() });
      const ws = S.ws;
      S.ws = null;
      ws?.close(1000);
      return scheduleReconnect(d.message || d.code);
    }
    leave();
    $('lobby-error').textContent = `${d.message || 'Could not join'}${d.code ? ` (${d.code})` : ''}`;
    $('lobby-error').hidden = false;
    S.errors.push({ code: d.code, message: d.message, event: 'join', at: Date.now() });
    publish();
  }

  function updateParticipant(peerId, patch) {
    const p = S.participants.get(peerId);
    if (p) Object.assign(p, patch);
    renderParticipants();
    renderTiles();
  }

  // -- WebRTC mesh ------------------------------------------------------------------

  function parseDescription(type, sdp) {
    if (sdp && typeof sdp === 'object') return { type: sdp.type || type, sdp: sdp.sdp };
    if (typeof sdp === 'string') {
      if (sdp.trim().startsWith('{')) {
        try { const o = JSON.parse(sdp); return { type: o.type || type, sdp: o.sdp }; } catch { /* plain SDP */ }
      }
      return { type, sdp };
    }
    throw new Error('no sdp');
  }

  function parseCandidate(c) {
    if (c && typeof c === 'object') return c;
    if (typeof c === 'string') {
      try { return JSON.parse(c); } catch { return { candidate: c, sdpMLineIndex: 0 }; }
    }
    throw new Error('no candidate');
  }

  function createPeer(id, initiator) {
    const pc = new RTCPeerConnection({ iceServers: S.iceServers });
    const peer = {
      id, pc, polite: S.peerId < id, makingOffer: false, ignoreOffer: false,
      queue: Promise.resolve(), stream: new MediaStream(), audio: null, video: null,
    };
    S.pcs.set(id, peer);

    pc.onnegotiationneeded = async () => {
      try {
        peer.makingOffer = true;
        await pc.setLocalDescription();
        if (pc.localDescription?.type === 'offer')
          send('offer', { targetPeerId: id, username: S.name, sdp: pc.localDescription.sdp });
      } catch (err) {
        console.warn('offer to', id, err);
      } finally {
        peer.makingOffer = false;
      }
    };
    pc.onicecandidate = ({ candidate }) => {
      if (candidate && candidate.candidate)
        send('candidate', { targetPeerId: id, candidate: JSON.stringify(candidate.toJSON()) });
    };
    pc.ontrack = ({ track }) => {
      if (!peer.stream.getTracks().includes(track)) peer.stream.addTrack(track);
      attachStream(id);
    };
    pc.onconnectionstatechange = () => {
      if (S.pcs.get(id) !== peer) return;
      if (pc.connectionState === 'failed' && !peer.polite) pc.restartIce(); // renegotiates
      renderTileState(id);
      renderParticipants();
      publish();
    };

    if (initiator) {
      // Always one audio and one video m-line, sending whatever we have (maybe
      // nothing): screen sharing later only swaps the track, no renegotiation.
      const streams = S.localStream ? [S.localStream] : [];
      peer.audio = pc.addTransceiver(S.audioTrack || 'audio', { direction: 'sendrecv', streams });
      peer.video = pc.addTransceiver(outgoingVideo() || 'video', { direction: 'sendrecv', streams });
    }
    attachStream(id);
    publish();
    return peer;
  }

  /// Answering side: send our tracks on the transceivers the offer created.
  function attachLocalTracks(peer) {
    for (const t of peer.pc.getTransceivers()) {
      if (t.stopped || t.currentDirection === 'stopped') continue;
      const kind = t.receiver.track.kind;
      if (kind === 'audio' && !peer.audio) peer.audio = t;
      else if (kind === 'video' && !peer.video) peer.video = t;
      else continue;
      t.direction = 'sendrecv';
      t.sender.replaceTrack(kind === 'audio' ? S.audioTrack : outgoingVideo()).catch(() => {});
      if (S.localStream && t.sender.setStreams) t.sender.setStreams(S.localStream);
    }
  }

  function onSignal(kind, d) {
    const from = d.peerId;
    if (!from || from === S.peerId) return;
    let peer = S.pcs.get(from);
    if (!peer) {
      if (kind !== 'offer') return; // for a connection we already closed
      peer = createPeer(from, false);
    }
    const p = S.participants.get(from);
    if (!p) {
      // Not announced to us (a server without peer-joined ordering): show it anyway.
      S.participants.set(from, { peerId: from, username: decode(d.username), isHost: from === S.hostId,
        isCoHost: S.coHostIds.has(from), handRaised: false, screenSharing: false });
      renderAll();
    } else if (d.username && !p.username) {
      p.username = decode(d.username);
      renderAll();
    }
    // Strictly in arrival order per peer: a candidate never overtakes its offer.
    peer.queue = peer.queue.then(() => applySignal(peer, kind, d)).catch((err) => console.warn(kind, 'from', from, err));
  }

  async function applySignal(peer, kind, d) {
    const pc = peer.pc;
    if (S.pcs.get(peer.id) !== peer || pc.signalingState === 'closed') return;
    if (kind === 'candidate') {
      try {
        await pc.addIceCandidate(parseCandidate(d.candidate));
      } catch (err) {
        if (!peer.ignoreOffer) throw err;
      }
      return;
    }
    const desc = parseDescription(kind, d.sdp);
    const collision = desc.type === 'offer' && (peer.makingOffer || pc.signalingState !== 'stable');
    peer.ignoreOffer = !peer.polite && collision;
    if (peer.ignoreOffer) return; // glare: we are impolite, our offer wins
    if (desc.type === 'answer' && pc.signalingState !== 'have-local-offer') return; // stale answer
    await pc.setRemoteDescription(desc); // polite side: rolls back its own offer implicitly
    if (desc.type === 'offer') {
      attachLocalTracks(peer);
      await pc.setLocalDescription();
      send('answer', { targetPeerId: peer.id, sdp: pc.localDescription.sdp });
    }
  }

  function closePeer(id) {
    const peer = S.pcs.get(id);
    if (!peer) return;
    S.pcs.delete(id);
    peer.pc.onconnectionstatechange = peer.pc.onnegotiationneeded = peer.pc.onicecandidate = peer.pc.ontrack = null;
    peer.pc.close();
    publish();
  }

  function replaceOutgoingVideo(track) {
    for (const peer of S.pcs.values())
      peer.video?.sender.replaceTrack(track).catch((err) => console.warn('replaceTrack', err));
  }

  // -- actions ----------------------------------------------------------------------

  function setMicMuted(muted) {
    S.micMuted = muted;
    if (S.audioTrack) S.audioTrack.enabled = !muted;
    renderToolbar();
    publish();
  }

  async function startShare() {
    if (!navigator.mediaDevices?.getDisplayMedia) return showError('', 'Screen sharing is not available in this browser');
    let stream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch (err) {
      if (err.name !== 'NotAllowedError') showError('', `Screen sharing failed: ${err.message}`);
      return;
    }
    S.screenStream = stream;
    S.screenTrack = stream.getVideoTracks()[0];
    S.screenTrack.addEventListener('ended', stopShare); // the browser's own "Stop sharing"
    S.sharing = true;
    replaceOutgoingVideo(S.screenTrack);
    send('screen-share-start', { peerId: S.peerId });
    updateParticipant(S.peerId, { screenSharing: true });
    renderToolbar();
    publish();
  }

  function stopShare() {
    if (!S.sharing) return;
    S.screenStream?.getTracks().forEach((t) => t.stop());
    S.screenStream = S.screenTrack = null;
    S.sharing = false;
    replaceOutgoingVideo(S.cameraTrack);
    send('screen-share-stop', { peerId: S.peerId });
    updateParticipant(S.peerId, { screenSharing: false });
    renderToolbar();
    publish();
  }

  async function join(e) {
    e?.preventDefault();
    const server = $('server').value.trim(), room = $('room').value.trim(), name = $('name').value.trim();
    $('lobby-error').hidden = true;
    if (!/^wss?:\/\//.test(server)) return lobbyError('The server URL starts with ws:// or wss://');
    if (!ID_RE.test(room)) return lobbyError("Room ids are 1-64 letters, digits, '-' or '_'");
    if (!name) return lobbyError('Enter your name');
    Object.assign(S, {
      server, room, name, leaving: false, kicked: false, everJoined: false, joined: false, attempt: 0,
      peerId: null, hostId: null, coHostIds: new Set(), participants: new Map(), chat: [], reactionLog: [], errors: [],
      micMuted: false, camOff: false, handRaised: false, identityReset: false,
    });
    setAddress(true);
    $('lobby').hidden = true;
    $('meeting').hidden = false;
    $('removed-banner').hidden = true;
    $('room-title').textContent = `Room ${room}`;
    $('chat-list').replaceChildren();
    setStatus('starting camera…');
    await acquireMedia();
    if (S.leaving) return;
    renderAll();
    connect();
  }

  /// Keeps the meeting in the address bar: a reload rejoins it (same identity,
  /// from sessionStorage); after leaving, a reload shows the form.
  function setAddress(inMeeting) {
    try {
      const q = new URLSearchParams(location.search);
      Object.entries({ server: S.server, room: S.room, name: S.name }).forEach(([k, v]) => q.set(k, v));
      if (inMeeting) q.set('autojoin', '1');
      else q.delete('autojoin');
      history.replaceState(null, '', `?${q}`);
    } catch { /* some browsers refuse this on file:// */ }
  }

  function lobbyError(text) {
    $('lobby-error').textContent = text;
    $('lobby-error').hidden = false;
  }

  function leave() {
    S.leaving = true;
    clearTimeout(S.retryTimer);
    S.retryTimer = null;
    const ws = S.ws;
    S.ws = null;
    ws?.close(1000, 'left');
    for (const id of [...S.pcs.keys()]) closePeer(id);
    releaseMedia();
    S.joined = false;
    setAddress(false);
    setStatus('offline');
    $('videos').replaceChildren();
    $('meeting').hidden = true;
    $('lobby').hidden = false;
    publish();
  }

  function showRemoved(text) {
    S.leaving = true;
    clearTimeout(S.retryTimer);
    S.retryTimer = null;
    const ws = S.ws;
    S.ws = null;
    ws?.close(1000);
    for (const id of [...S.pcs.keys()]) closePeer(id);
    releaseMedia();
    S.joined = false;
    S.participants = new Map([...S.participants].filter(([id]) => id === S.peerId));
    setAddress(false);
    setStatus('removed');
    $('removed-text').textContent = text;
    $('removed-banner').hidden = false;
    renderAll();
  }

  // -- rendering ---------------------------------------------------------------------

  function renderAll() {
    renderHeader();
    renderTiles();
    renderParticipants();
    renderChatState();
    renderToolbar();
    publish();
  }

  function renderHeader() {
    const host = S.peerId !== null && S.hostId === S.peerId;
    const co = S.coHostIds.has(S.peerId);
    $('role-badge').hidden = !(host || co);
    $('role-badge').textContent = host ? '★ Host' : '☆ Co-host';
    $('lock-badge').hidden = !S.roomLocked;
    $('host-controls').hidden = !(S.joined && isAdmin());
    $('btn-lock').textContent = S.roomLocked ? '🔓 Unlock room' : '🔒 Lock room';
    $('btn-chat-toggle').textContent = S.chatEnabled ? 'Disable chat' : 'Enable chat';
    renderChatState();
    renderParticipants();
  }

  function renderTiles() {
    const grid = $('videos');
    if ($('meeting').hidden) return;
    const wanted = new Set([S.peerId ?? 'local', ...S.participants.keys()]);
    for (const t of [...grid.children]) if (!wanted.has(t.dataset.peer)) t.remove();
    for (const id of wanted) {
      let tile = grid.querySelector(`.tile[data-peer="${CSS.escape(id)}"]`);
      const local = id === (S.peerId ?? 'local');
      if (!tile) {
        const video = el('video', { autoplay: true, playsInline: true, muted: local });
        tile = el('div', { class: `tile${local ? ' local' : ''}`, 'data-peer': id }, video,
          el('span', { class: 'label' }), local ? null : el('span', { class: 'state' }));
        grid.append(tile);
      }
      const p = S.participants.get(id);
      const name = local ? `${S.name} (you)` : p?.username || id;
      const marks = [p?.isHost && '★', p?.isCoHost && '☆', p?.handRaised && '✋', p?.screenSharing && '🖥'].filter(Boolean).join(' ');
      tile.querySelector('.label').textContent = marks ? `${name} ${marks}` : name;
      tile.classList.toggle('hand', !!p?.handRaised);
      tile.classList.toggle('sharing', local && S.sharing);
      if (local) {
        const v = tile.querySelector('video');
        const src = S.sharing ? S.screenStream : S.localStream;
        if (v.srcObject !== src) v.srcObject = src;
      } else {
        attachStream(id);
        renderTileState(id);
      }
    }
  }

  function attachStream(id) {
    const tile = document.querySelector(`.tile[data-peer="${CSS.escape(id)}"]`);
    const peer = S.pcs.get(id);
    if (!tile || !peer) return;
    const v = tile.querySelector('video');
    if (v.srcObject === peer.stream) return;
    v.srcObject = peer.stream;
    v.play().catch(() => {
      // Autoplay with sound needs a user gesture: play muted, offer a button.
      v.muted = true;
      v.play().catch(() => {});
      if (!tile.querySelector('.unmute')) {
        const b = el('button', { class: 'unmute', type: 'button', text: '🔇 Click for sound' });
        b.onclick = () => { v.muted = false; v.play().catch(() => {}); b.remove(); };
        tile.append(b);
      }
    });
  }

  function renderTileState(id) {
    const tile = document.querySelector(`.tile[data-peer="${CSS.escape(id)}"]`);
    const s = tile?.querySelector('.state');
    if (!s) return;
    const state = S.pcs.get(id)?.pc.connectionState ?? 'waiting';
    s.textContent = state;
    s.className = `state ${state}`;
  }

  function renderParticipants() {
    const list = $('participants');
    list.replaceChildren();
    const admin = S.joined && isAdmin();
    for (const p of S.participants.values()) {
      const me = p.peerId === S.peerId;
      const li = el('li', { 'data-peer': p.peerId },
        el('span', { class: 'who', text: me ? `${p.username || S.name} (you)` : p.username || p.peerId }));
      if (p.isHost) li.append(el('span', { class: 'badge', text: 'host' }));
      if (p.isCoHost) li.append(el('span', { class: 'badge', text: 'co-host' }));
      if (p.handRaised) li.append(el('span', { class: 'badge', text: '✋' }));
      if (p.screenSharing) li.append(el('span', { class: 'badge', text: 'sharing' }));
      if (!me && S.pcs.has(p.peerId)) li.append(el('span', { class: 'badge', text: S.pcs.get(p.peerId).pc.connectionState }));
      if (admin && !me) {
        li.append(el('button', { type: 'button', text: 'Mute', 'data-action': 'mute' }));
        if (!p.isHost && !p.isCoHost) li.append(el('button', { type: 'button', text: 'Make co-host', 'data-action': 'promote' }));
        if (!p.isHost) {
          const armed = S.kickArmed?.peerId === p.peerId && S.kickArmed.until > Date.now();
          li.append(el('button', { type: 'button', text: armed ? 'Confirm remove' : 'Remove', 'data-action': 'kick', class: 'danger' }));
        }
      }
      list.append(li);
    }
    $('participant-count').textContent = `(${S.participants.size})`;
  }

  function addChat(messages) {
    const list = $('chat-list');
    for (const m of messages) {
      if (!m || !m.id || S.chat.some((c) => c.id === m.id)) continue;
      const msg = { id: m.id, peerId: m.peerId, username: decode(m.username), message: decode(m.message), timestamp: m.timestamp };
      S.chat.push(msg);
      const time = new Date(msg.timestamp || Date.now()).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
      list.append(el('li', { class: msg.peerId === S.peerId ? 'mine' : '', 'data-id': msg.id },
        el('div', { class: 'meta', text: `${msg.username} · ${time}` }),
        el('div', { class: 'text', text: msg.message })));
    }
    list.scrollTop = list.scrollHeight;
  }

  function renderChatState() {
    const canPost = S.joined && (S.chatEnabled || isAdmin());
    $('chat-input').disabled = $('chat-send').disabled = !canPost;
    $('chat-input').placeholder = canPost ? 'Say something…' : S.chatEnabled ? 'Not connected' : 'Chat is disabled by the host';
    $('chat-state').hidden = S.chatEnabled;
    $('chat-state').textContent = isAdmin() ? 'Chat is disabled for participants (hosts can still post).' : 'The host disabled chat.';
  }

  function renderToolbar() {
    $('btn-mic').textContent = S.micMuted ? '🎤 Unmute' : '🎤 Mute';
    $('btn-mic').classList.toggle('active', S.micMuted);
    $('btn-mic').disabled = !S.audioTrack;
    $('btn-cam').textContent = S.camOff ? '📷 Start video' : '📷 Stop video';
    $('btn-cam').classList.toggle('active', S.camOff);
    $('btn-cam').disabled = !S.cameraTrack;
    $('btn-share').textContent = S.sharing ? '🖥 Stop sharing' : '🖥 Share screen';
    $('btn-share').classList.toggle('active', S.sharing);
    $('btn-hand').textContent = S.handRaised ? '✋ Lower hand' : '✋ Raise hand';
    $('btn-hand').classList.toggle('active', S.handRaised);
    for (const b of document.querySelectorAll('#meeting footer button, #reactions button'))
      if (b.id !== 'btn-mic' && b.id !== 'btn-cam') b.disabled = !S.joined;
  }

  // -- wiring -----------------------------------------------------------------------

  $('join-form').addEventListener('submit', join);
  $('btn-leave').onclick = () => leave();
  $('btn-back').onclick = () => leave();
  $('btn-lock').onclick = () => send(S.roomLocked ? 'room-unlocked' : 'room-locked');
  $('btn-chat-toggle').onclick = () => send(S.chatEnabled ? 'chat-disabled' : 'chat-enabled');
  $('btn-mic').onclick = () => setMicMuted(!S.micMuted);
  $('btn-cam').onclick = () => {
    S.camOff = !S.camOff;
    if (S.cameraTrack) S.cameraTrack.enabled = !S.camOff;
    renderToolbar();
  };
  $('btn-share').onclick = () => (S.sharing ? stopShare() : startShare());
  $('btn-hand').onclick = () => {
    // The server echoes raise-hand/lower-hand to everyone, us included.
    send(S.handRaised ? 'lower-hand' : 'raise-hand', S.handRaised ? { peerId: S.peerId } : { peerId: S.peerId, username: S.name });
  };
  for (const emoji of REACTIONS) {
    const b = el('button', { type: 'button', text: emoji, title: `React ${emoji}`, 'data-emoji': emoji });
    b.onclick = () => {
      // Reactions are not echoed to the sender: show ours right away.
      if (send('reaction', { peerId: S.peerId, emoji })) onReaction(S.peerId, emoji);
      publish();
    };
    $('reactions').append(b);
  }
  $('chat-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = $('chat-input').value;
    if (!text.trim()) return;
    // Not added locally: the server's broadcast (with its id) includes us.
    if (send('chat-message', { peerId: S.peerId, username: S.name, message: text })) $('chat-input').value = '';
  });
  $('participants').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-action]');
    if (!b) return;
    const target = b.closest('li').dataset.peer;
    const action = b.dataset.action;
    if (action === 'kick') {
      // Two clicks within 4 s to remove someone.
      const armed = S.kickArmed?.peerId === target && S.kickArmed.until > Date.now();
      S.kickArmed = armed ? null : { peerId: target, until: Date.now() + 4000 };
      if (armed) send('kicked', { targetPeerId: target });
      else setTimeout(renderParticipants, 4100);
      return renderParticipants();
    }
    if (action === 'mute') send('mute-participant', { targetPeerId: target });
    else if (action === 'promote') send('promote-co-host', { targetPeerId: target });
  });

  // For the console and tests: the live RTCPeerConnection to a peer.
  window.roomcastDebug = { peerConnection: (peerId) => S.pcs.get(peerId)?.pc ?? null };

  // Served by roomcast itself (http://HOST/examples/...): its own WebSocket endpoint.
  const sameOrigin = /^https?:$/.test(location.protocol) ? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}` : '';
  $('server').value = params.get('server') || sameOrigin || 'ws://localhost:8080';
  $('room').value = params.get('room') || '';
  $('name').value = params.get('name') || '';
  publish();
  if (params.get('autojoin') === '1' && $('room').value && $('name').value) join();
})();
