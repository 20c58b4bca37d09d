// The shop example's one script, for both pages (body[data-mode] = viewer | admin).
// It speaks protocols/shop.md over ws://HOST/ : register (or register_admin),
// stream state, likes, chat, pinned products, support chat, and the broadcast
// WebRTC signaling (the admin page offers its camera to every customer peer).
//
// Address parameters: server (ws://host:port, default ws://localhost:8080),
// session (customer sessionId, default one kept in localStorage), token (a JWT;
// required on the admin page), name (customer display name), broadcast=1
// (admin: start the camera broadcast once registered).
'use strict';

const params = new URLSearchParams(location.search);
const mode = document.body.dataset.mode;
const server = params.get('server') || (location.protocol.startsWith('http') ? `ws://${location.host}` : 'ws://localhost:8080');
const $ = (id) => document.getElementById(id);
const rand = () => Math.random().toString(36).slice(2, 10);
/// Text the server HTML-escaped, back to plain text (for textContent and for resending).
const unescape = (s) => Object.assign(document.createElement('textarea'), { innerHTML: s }).value;

function sessionId() {
  if (params.get('session'))
    return params.get('session');
  let id = localStorage.getItem('roomcast-shop-session');
  if (!id) {
    id = `sess-${rand()}${rand()}`;
    localStorage.setItem('roomcast-shop-session', id);
  }
  return id;
}

/// What the page knows; the browser test reads it.
const state = window.shopState = {
  mode, registered: false, sessionId: mode === 'viewer' ? sessionId() : null, peerId: `${mode}-${rand()}`,
  stream: { isActive: false, viewerCount: 0, likes: 0, likedBy: [] }, products: [], chat: [], support: [],
  broadcaster: null, broadcasting: false, peers: {}, videoPlaying: false, errors: [],
};

let ws;
const send = (msg) => ws && ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(msg));

// -- rendering --------------------------------------------------------------------

function renderStream() {
  const s = state.stream;
  $('title').textContent = s.isActive ? (s.title || 'Live now') : (mode === 'admin' ? 'No live stream' : 'No live stream right now');
  if ($('description'))
    $('description').textContent = s.isActive ? s.description || '' : '';
  $('viewers').textContent = s.viewerCount ?? 0;
  $('likes').textContent = s.likes ?? 0;
  if ($('like')) {
    $('like').disabled = !s.isActive;
    $('like').textContent = s.likedBy?.includes(state.identity) ? '♥ Liked' : '♡ Like';
  }
  if ($('peers'))
    $('peers').textContent = Object.keys(state.peers).length;
}

function renderProducts() {
  const ul = $('products');
  ul.replaceChildren(...state.products.map((p) => {
    const li = document.createElement('li');
    li.textContent = `${unescape(p.name)} — ${Number(p.price).toFixed(2)}`;
    return li;
  }));
}

/// Chat and support text arrive HTML-escaped (shop.escape_html), so innerHTML is safe.
function addLine(list, html, cls) {
  const li = document.createElement('li');
  li.innerHTML = html;
  if (cls)
    li.className = cls;
  $(list).append(li);
  $(list).scrollTop = $(list).scrollHeight;
}

function showChat(m) {
  state.chat.push(m);
  addLine('chat', `<b>${m.username}</b>: ${m.message}`, m.isAdmin ? 'admin' : '');
}

function showError(message) {
  state.errors.push(message);
  const li = document.createElement('li');
  li.textContent = message;
  $('errors').append(li);
}

// -- WebRTC: the admin broadcasts, customers receive --------------------------------

const rtcConfig = { iceServers: (params.get('ice') || '').split(',').filter(Boolean).map((urls) => ({ urls })) };
let localStream = null;

function peer(id) {
  let pc = state.peers[id];
  if (pc)
    return pc;
  pc = new RTCPeerConnection(rtcConfig);
  pc.chain = Promise.resolve();
  pc.onicecandidate = (e) => e.candidate && send({ type: 'webrtc_ice_candidate', to: id, candidate: e.candidate.toJSON() });
  pc.ontrack = (e) => {
    const video = $('video');
    video.srcObject = e.streams[0] || new MediaStream([e.track]);
    video.play().catch(() => {});
  };
  pc.onconnectionstatechange = () => {
    if (['failed', 'closed'].includes(pc.connectionState))
      dropPeer(id);
    renderStream();
  };
  state.peers[id] = pc;
  return pc;
}

function dropPeer(id) {
  const pc = state.peers[id];
  if (!pc)
    return;
  delete state.peers[id];
  pc.close();
}

/// Serializes the steps on one connection: ICE may arrive before the description is set.
const step = (pc, fn) => { pc.chain = pc.chain.then(fn).catch((e) => showError(`WebRTC: ${e.message}`)); };

async function cameraStream() {
  try {
    return await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
  } catch {
    // No camera: an animated canvas stands in.
    const canvas = Object.assign(document.createElement('canvas'), { width: 320, height: 240 });
    const ctx = canvas.getContext('2d');
    let t = 0;
    setInterval(() => {
      ctx.fillStyle = `hsl(${t++ % 360} 60% 50%)`;
      ctx.fillRect(0, 0, 320, 240);
      ctx.fillStyle = '#fff';
      ctx.fillText(new Date().toLocaleTimeString(), 20, 120);
    }, 40);
    return canvas.captureStream(25);
  }
}

async function startBroadcast() {
  localStream = localStream || await cameraStream();
  $('video').srcObject = localStream;
  state.broadcasting = true;
  send({ type: 'webrtc_broadcast_start', peerId: state.peerId });
}

function offerTo(customerId) {
  if (!localStream)
    return;
  dropPeer(customerId);
  const pc = peer(customerId);
  for (const track of localStream.getTracks())
    pc.addTrack(track, localStream);
  step(pc, async () => {
    await pc.setLocalDescription(await pc.createOffer());
    send({ type: 'webrtc_offer', to: customerId, offer: pc.localDescription.toJSON() });
  });
}

function onOffer(m) {
  dropPeer(m.from);
  const pc = peer(m.from);
  step(pc, async () => {
    await pc.setRemoteDescription(m.offer);
    await pc.setLocalDescription(await pc.createAnswer());
    send({ type: 'webrtc_answer', to: m.from, answer: pc.localDescription.toJSON() });
  });
}

// -- the protocol ---------------------------------------------------------------------

const handlers = {
  registered() {
    state.registered = true;
    state.identity = state.sessionId;
    send({ type: 'webrtc_register', peerId: state.peerId, userType: 'customer' });
  },
  admin_registered(m) {
    state.registered = true;
    state.identity = m.userId;
    send({ type: 'webrtc_register', peerId: state.peerId, userType: 'admin' });
  },
  webrtc_registered() {
    if (mode === 'admin' && params.get('broadcast') === '1')
      startBroadcast();
  },
  stream_started(m) {
    state.stream = { isActive: true, ...m.streamData };
    state.products = m.streamData.pinnedProducts || state.products;
    renderStream();
    renderProducts();
  },
  stream_stopped() {
    state.stream = { isActive: false, viewerCount: 0, likes: 0, likedBy: [] };
    state.products = [];
    state.chat = [];
    $('chat').replaceChildren();
    renderStream();
    renderProducts();
  },
  stream_update(m) {
    Object.assign(state.stream, m);
    renderStream();
  },
  chat_history(m) {
    state.chat = [];
    $('chat').replaceChildren();
    m.messages.forEach(showChat);
  },
  chat_message: showChat,
  pinned_products_updated(m) {
    state.products = m.pinnedProducts;
    renderProducts();
  },
  customer_message(m) {
    state.support.push(m);
    addLine('support', `<b>${m.customerName}</b> (${m.sessionId}): ${m.message}`);
    $('support-session').value = m.sessionId;
  },
  staff_reply(m) {
    state.support.push(m);
    addLine('support', `<b>Support</b>: ${m.message}`, 'admin');
  },
  webrtc_broadcaster_available(m) {
    state.broadcaster = m.broadcaster;
  },
  webrtc_broadcast_stopped() {
    state.broadcaster = null;
    Object.keys(state.peers).forEach(dropPeer);
    $('video').srcObject = null;
  },
  webrtc_new_customer(m) {
    if (state.broadcasting)
      offerTo(m.customerId);
  },
  webrtc_offer: onOffer,
  webrtc_answer(m) {
    const pc = state.peers[m.from];
    if (pc)
      step(pc, () => pc.setRemoteDescription(m.answer));
  },
  webrtc_ice_candidate(m) {
    const pc = state.peers[m.from];
    if (pc)
      step(pc, () => pc.addIceCandidate(m.candidate));
  },
  pong() {},
  error(m) { showError(m.message); },
};

function connect(attempt = 0) {
  ws = new WebSocket(`${server}/`);
  ws.onopen = () => {
    attempt = 0;
    $('conn').textContent = 'online';
    $('conn').classList.add('online');
    if (mode === 'admin')
      send({ type: 'register_admin', token: params.get('token') || '' });
    else
      send({ type: 'register', sessionId: state.sessionId, ...(params.get('token') ? { token: params.get('token') } : {}) });
  };
  ws.onmessage = (e) => {
    let m;
    try { m = JSON.parse(e.data); } catch { return; }
    handlers[m.type]?.(m);
  };
  ws.onclose = () => {
    state.registered = false;
    $('conn').textContent = 'offline';
    $('conn').classList.remove('online');
    if (attempt < 5)
      setTimeout(() => connect(attempt + 1), 1000 * (attempt + 1)); // the contract's reconnection advice
  };
}

setInterval(() => send({ type: 'ping' }), 30000);

// -- the forms ----------------------------------------------------------------------

$('chat-form').onsubmit = (e) => {
  e.preventDefault();
  const message = $('chat-text').value.trim();
  if (!message)
    return;
  send({ type: 'chat_message', message, username: $('chat-name')?.value || params.get('name') || undefined });
  $('chat-text').value = '';
};

$('support-form').onsubmit = (e) => {
  e.preventDefault();
  const text = $('support-text').value.trim();
  if (!text)
    return;
  if (mode === 'admin')
    send({ type: 'staff_message', sessionId: $('support-session').value.trim(), content: text });
  else {
    send({ type: 'customer_message', message: text, customerName: $('chat-name').value || params.get('name') || undefined });
    state.support.push({ mine: true, message: text });
    addLine('support', `<b>You</b>: ${text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)}`);
  }
  $('support-text').value = '';
};

if (mode === 'viewer') {
  $('like').onclick = () => send({ type: 'toggle_like' });
  if (params.get('name'))
    $('chat-name').value = params.get('name');
} else {
  $('start').onclick = () => send({ type: 'stream_start', title: $('stream-title').value, description: $('stream-description').value });
  $('stop').onclick = () => send({ type: 'stream_stop' });
  $('broadcast').onclick = () => startBroadcast();
  $('pin-form').onsubmit = (e) => {
    e.preventDefault();
    const name = $('pin-name').value.trim();
    const price = Number($('pin-price').value);
    if (!name || !(price >= 0))
      return;
    const next = [...state.products.map((p) => ({ ...p, name: unescape(p.name), image: unescape(p.image) })), { productId: `p-${rand()}`, name, price, image: '', displayOrder: state.products.length + 1 }];
    send({ type: 'pin_products', pinnedProducts: next });
  };
}

// Playing = frames are arriving (the browser test checks this).
setInterval(() => {
  const v = $('video');
  state.videoPlaying = !!v.srcObject && v.videoWidth > 0 && v.readyState >= 2 && !v.paused;
}, 200);

renderStream();
connect();
