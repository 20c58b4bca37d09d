// A chat client for the chatrooms dialect (protocols/chatrooms.md) with the
// unmodified socket.io-client: login by token, several rooms, messages,
// typing indicators and who is online. The server HTML-escapes user text
// (content, usernames), so it is inserted as HTML; ids go in as text.
// window.chatState mirrors what the page shows (the browser test reads it).
'use strict';

const $ = (id) => document.getElementById(id);
const state = window.chatState = {
  connected: false, transport: '', me: null, rooms: {}, current: null, online: [], errors: [],
};
let socket = null;
let typingSent = false;
let typingTimer = null;

function room(id) {
  return state.rooms[id] ??= { id, messages: [], users: [], typing: {} };
}

function showError(where, text) {
  state.errors.push(text);
  $(where).textContent = text;
  $(where).hidden = false;
}

function renderRooms() {
  const list = $('rooms');
  list.replaceChildren();
  for (const id of Object.keys(state.rooms)) {
    const li = document.createElement('li');
    li.textContent = id;
    li.className = id === state.current ? 'current' : '';
    li.onclick = () => { state.current = id; render(); };
    list.append(li);
  }
}

function renderOnline() {
  const list = $('online');
  list.replaceChildren();
  for (const u of state.online) {
    const li = document.createElement('li');
    li.innerHTML = u.username; // escaped by the server
    list.append(li);
  }
}

function render() {
  renderRooms();
  renderOnline();
  const r = state.current && state.rooms[state.current];
  $('room-title').textContent = r ? r.id : 'No room';
  $('leave-btn').hidden = !r;
  $('text').disabled = $('send-btn').disabled = !r;
  $('room-users').innerHTML = r ? r.users.map((u) => u.username).join(', ') : '';
  const list = $('messages');
  list.replaceChildren();
  for (const m of r ? r.messages : []) {
    const li = document.createElement('li');
    const author = document.createElement('span');
    author.className = 'author';
    author.innerHTML = m.author.username;
    const text = document.createElement('span');
    text.innerHTML = m.content;
    const time = document.createElement('span');
    time.className = 'time';
    time.textContent = new Date(m.timestamp).toLocaleTimeString();
    li.append(author, text, time);
    list.append(li);
  }
  list.scrollTop = list.scrollHeight;
  const typing = r ? Object.values(r.typing) : [];
  $('typing').innerHTML = typing.length ? `${typing.join(', ')} ${typing.length > 1 ? 'are' : 'is'} typing…` : '';
}

function setOnline(user, online) {
  state.online = state.online.filter((u) => u.userId !== user.userId);
  if (online)
    state.online.push({ userId: user.userId, username: user.username });
}

function connect(server, token) {
  socket = io(`${server.replace(/\/$/, '')}/chat`, { auth: { token } });
  socket.on('connect', () => {
    state.connected = true;
    state.transport = socket.io.engine.transport.name;
    socket.io.engine.on('upgrade', (t) => { state.transport = t.name; $('transport').textContent = t.name; });
    $('transport').textContent = state.transport;
    $('login').hidden = true;
    $('chat').hidden = false;
    // Rejoin what we were in (after a reconnect).
    for (const id of Object.keys(state.rooms))
      socket.emit('joinRoom', { roomId: id });
  });
  socket.on('disconnect', () => { state.connected = false; });
  socket.on('connect_error', (err) => {
    showError('login-error', `${err.message}${err.data ? `: ${err.data.message}` : ''}`);
    socket.close();
  });
  socket.on('roomUsers', ({ roomId, users }) => { room(roomId).users = users; render(); });
  socket.on('joinedRoom', ({ roomId }) => {
    room(roomId);
    state.current = roomId;
    loadHistory(server, token, roomId);
    render();
  });
  socket.on('leftRoom', ({ roomId }) => {
    delete state.rooms[roomId];
    if (state.current === roomId)
      state.current = Object.keys(state.rooms)[0] ?? null;
    render();
  });
  socket.on('receiveMessage', (m) => {
    const r = room(m.roomId);
    if (!r.messages.some((x) => x.id === m.id))
      r.messages.push(m);
    delete r.typing[m.author.id];
    render();
  });
  socket.on('userJoined', ({ roomId, userId, username }) => {
    const r = room(roomId);
    if (!r.users.some((u) => u.userId === userId))
      r.users.push({ userId, username });
    render();
  });
  socket.on('userLeft', ({ roomId, userId }) => {
    const r = room(roomId);
    r.users = r.users.filter((u) => u.userId !== userId);
    delete r.typing[userId];
    render();
  });
  socket.on('userTyping', ({ roomId, userId, username, isTyping }) => {
    const r = room(roomId);
    if (isTyping)
      r.typing[userId] = username;
    else
      delete r.typing[userId];
    render();
  });
  socket.on('userOnline', (u) => { setOnline(u, true); render(); });
  socket.on('userOffline', (u) => { setOnline(u, false); render(); });
  socket.on('ping', () => socket.emit('heartbeat'));
  socket.on('error', (e) => showError('chat-error', `${e.statusCode}: ${e.message}`));
}

/// Older messages over REST (newest first), merged before the live ones.
async function loadHistory(server, token, roomId) {
  try {
    const res = await fetch(`${server.replace(/\/$/, '')}/api/rooms/${encodeURIComponent(roomId)}/messages?limit=50`,
      { headers: { Authorization: `Bearer ${token}` } });
    if (!res.ok)
      return;
    const { data } = await res.json();
    const r = room(roomId);
    const known = new Set(r.messages.map((m) => m.id));
    r.messages = [...data.messages.reverse().filter((m) => !known.has(m.id)), ...r.messages];
    render();
  } catch {
    // history is a convenience; live messages still arrive
  }
}

function claims(token) {
  try {
    return JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    return {};
  }
}

$('login-form').onsubmit = (e) => {
  e.preventDefault();
  const token = $('token').value.trim();
  const c = claims(token);
  state.me = { userId: c.sub, username: c.name ?? c.sub };
  $('me').textContent = state.me.username ?? '';
  connect($('server').value.trim(), token);
};

$('join-form').onsubmit = (e) => {
  e.preventDefault();
  socket.emit('joinRoom', { roomId: $('room-input').value.trim() }, (res) => {
    if (!res.success)
      showError('chat-error', res.message);
  });
  $('room-input').value = '';
};

$('leave-btn').onclick = () => socket.emit('leaveRoom', { roomId: state.current });

$('send-form').onsubmit = (e) => {
  e.preventDefault();
  const content = $('text').value;
  if (!content.trim() || !state.current)
    return;
  socket.emit('sendMessage', { roomId: state.current, content }, (res) => {
    if (!res.success)
      showError('chat-error', res.message);
  });
  $('text').value = '';
  stopTyping();
};

function stopTyping() {
  clearTimeout(typingTimer);
  if (typingSent && state.current)
    socket.emit('typing', { roomId: state.current, isTyping: false });
  typingSent = false;
}

$('text').oninput = () => {
  if (!state.current)
    return;
  if (!typingSent) {
    socket.emit('typing', { roomId: state.current, isTyping: true });
    typingSent = true;
  }
  clearTimeout(typingTimer);
  typingTimer = setTimeout(stopTyping, 2000);
};

// ?server=&token=&room= : fill in and go.
const params = new URLSearchParams(location.search);
if (params.get('server'))
  $('server').value = params.get('server');
if (params.get('token')) {
  $('token').value = params.get('token');
  $('login-form').requestSubmit();
  if (params.get('room')) {
    const join = () => socket.emit('joinRoom', { roomId: params.get('room') });
    socket.connected ? join() : socket.once('connect', join);
  }
}
