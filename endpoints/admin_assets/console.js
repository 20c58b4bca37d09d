// The admin console: overview and charts fed by Server-Sent Events
// (/admin/api/events), the actor table and a live detail view, the
// connection list, and the operator's actions. The session is the HttpOnly
// cookie set by POST /admin/login, so this script never sees the token after login.
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const S = {
    events: null, overview: null, selected: null, detailTimer: null,
    history: { in: [], out: [], conn: [] }, updates: 0,
  };
  window.roomcastAdmin = S; // for tests and the curious

  async function api(path, options = {}) {
    const res = await fetch(path, { credentials: 'same-origin', ...options });
    const text = await res.text();
    let body = null;
    try { body = JSON.parse(text); } catch { body = { raw: text }; }
    if (res.status === 401 || (res.status === 403 && !options.quiet)) {
      if (res.status === 401) showLogin(body.error);
      else showLogin(body.error);
    }
    if (!res.ok) throw Object.assign(new Error(body.error || res.statusText), { status: res.status });
    return body;
  }

  function showLogin(message) {
    stopEvents();
    $('console').hidden = true;
    $('logout').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = message || '';
  }

  function showConsole() {
    $('login').hidden = true;
    $('console').hidden = false;
    $('logout').hidden = false;
  }

  $('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api('/admin/login', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token: $('token').value.trim() }),
      });
      $('token').value = '';
      start();
    } catch (err) {
      $('login-error').textContent = err.message;
    }
  });

  $('logout').addEventListener('click', async () => {
    await fetch('/admin/logout', { method: 'POST', credentials: 'same-origin' });
    showLogin('Logged out.');
  });

  // -- overview ------------------------------------------------------------------

  const fmt = (n) => (typeof n === 'number' ? (Number.isInteger(n) ? n.toLocaleString('en') : n.toFixed(1)) : String(n ?? '-'));
  const bytes = (n) => (n > 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n > 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);

  function renderOverview(o) {
    S.overview = o;
    S.updates++;
    $('node').textContent = `${o.node} · v${o.version} · up ${Math.round(o.uptimeSeconds)} s`;
    const cards = [
      ['connections', fmt(o.connections)],
      ['rooms', fmt(o.rooms)],
      ...Object.entries(o.actorsByKind || {}).map(([k, v]) => [`${k} rooms`, fmt(v)]),
      ['messages in /s', fmt(o.messagesInPerSecond)],
      ['deliveries out /s', fmt(o.deliveriesOutPerSecond)],
      ['bytes in', bytes(o.bytesIn)],
      ['bytes out', bytes(o.bytesOut)],
      ['slow-consumer closes', fmt(o.slowConsumerCloses)],
      ['rate-limit refusals', fmt(o.rateLimitRefusals)],
      ['database', bytes(o.databaseBytes)],
      ['RSS', bytes(o.process?.rssBytes ?? 0)],
      ['CPU', `${fmt(o.process?.cpuPercent ?? 0)} %`],
    ];
    const box = $('cards');
    box.replaceChildren(...cards.map(([label, value]) => {
      const d = document.createElement('div');
      d.className = 'card';
      const b = document.createElement('b');
      b.textContent = value;
      const s = document.createElement('span');
      s.textContent = label;
      d.append(b, s);
      return d;
    }));
    const push = (arr, v) => { arr.push(v); if (arr.length > 90) arr.shift(); };
    push(S.history.in, o.messagesInPerSecond || 0);
    push(S.history.out, o.deliveriesOutPerSecond || 0);
    push(S.history.conn, o.connections || 0);
    chart($('chart-in'), S.history.in, '#2f6fde');
    chart($('chart-out'), S.history.out, '#1c9c5a');
    chart($('chart-conn'), S.history.conn, '#b9770e');
    $('persistence').textContent = JSON.stringify({ persistence: o.persistence, process: o.process }, null, 2);
  }

  function chart(canvas, values, color) {
    const ctx = canvas.getContext('2d');
    const w = canvas.width, h = canvas.height;
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = '#fbfcfd';
    ctx.fillRect(0, 0, w, h);
    ctx.strokeStyle = '#e3e6ec';
    for (let y = 0; y <= 3; y++) {
      ctx.beginPath(); ctx.moveTo(0, (h - 1) * y / 3 + 0.5); ctx.lineTo(w, (h - 1) * y / 3 + 0.5); ctx.stroke();
    }
    const max = Math.max(1, ...values);
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    values.forEach((v, i) => {
      const x = values.length < 2 ? w : (i / (values.length - 1)) * (w - 2) + 1;
      const y = h - 4 - (v / max) * (h - 18);
      i ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
    });
    ctx.stroke();
    ctx.fillStyle = '#6b7385';
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillText(`max ${fmt(max)}  now ${fmt(values[values.length - 1] ?? 0)}`, 4, 11);
  }

  function stopEvents() {
    if (S.events) S.events.close();
    S.events = null;
    $('live').textContent = 'offline';
    $('live').className = 'pill off';
  }

  function startEvents() {
    stopEvents();
    const es = new EventSource('/admin/api/events');
    S.events = es;
    es.addEventListener('overview', (e) => {
      $('live').textContent = 'live';
      $('live').className = 'pill';
      renderOverview(JSON.parse(e.data));
      refreshActors();
      refreshConnections();
    });
    es.onerror = () => {
      $('live').textContent = 'reconnecting';
      $('live').className = 'pill off';
    };
  }

  // -- actors --------------------------------------------------------------------

  function cell(tr, text) {
    const td = document.createElement('td');
    td.textContent = text;
    tr.append(td);
    return td;
  }

  let actorsBusy = false;
  async function refreshActors() {
    if (actorsBusy) return;
    actorsBusy = true;
    try {
      const q = new URLSearchParams({ kind: $('kind').value.trim(), prefix: $('prefix').value.trim(), sort: $('sort').value, limit: '50' });
      for (const [k, v] of [...q]) if (!v) q.delete(k);
      const page = await api(`/admin/api/actors?${q}`);
      // Rows are updated in place (not rebuilt), so a row's button stays put under the pointer.
      const body = $('actors').tBodies[0];
      const keep = new Set();
      page.items.forEach((a, i) => {
        const key = `${a.kind}/${a.id}`;
        keep.add(key);
        let tr = [...body.rows].find((r) => r.dataset.key === key);
        if (!tr) {
          tr = document.createElement('tr');
          tr.dataset.key = key;
          cell(tr, a.kind);
          cell(tr, a.id);
          cell(tr, '').className = 'members';
          cell(tr, '');
          const b = document.createElement('button');
          b.textContent = 'Open';
          b.addEventListener('click', () => select(a.kind, a.id));
          cell(tr, '').append(b);
        }
        const set = (td, text) => { if (td.textContent !== text) td.textContent = text; };
        set(tr.cells[2], String(a.memberCount));
        set(tr.cells[3], String(a.activity));
        tr.className = S.selected === key ? 'selected' : '';
        if (body.rows[i] !== tr) body.insertBefore(tr, body.rows[i] ?? null);
      });
      for (const r of [...body.rows]) if (!keep.has(r.dataset.key)) r.remove();
      $('actors-total').textContent = `${page.total} actor(s)`;
    } catch { /* shown by the login screen when it matters */ } finally {
      actorsBusy = false;
    }
  }

  $('actor-search').addEventListener('submit', (e) => { e.preventDefault(); refreshActors(); });

  function select(kind, id) {
    S.selected = `${kind}/${id}`;
    $('detail-title').textContent = S.selected;
    $('detail-actions').hidden = false;
    clearInterval(S.detailTimer);
    refreshDetail();
    S.detailTimer = setInterval(refreshDetail, 1000);
    refreshActors();
  }

  async function refreshDetail() {
    if (!S.selected) return;
    const key = S.selected;
    try {
      const d = await api(`/admin/api/actors/${key.split('/').map(encodeURIComponent).join('/')}`);
      if (S.selected === key) {
        $('detail').textContent = JSON.stringify(d, null, 2);
        S.detail = d;
      }
    } catch (err) {
      if (S.selected === key) $('detail').textContent = `${key}: ${err.message}`;
    }
  }

  $('send-notice').addEventListener('click', async () => {
    if (!S.selected) return;
    const message = prompt(`Notice to everyone in ${S.selected}:`);
    if (!message) return;
    try {
      await api(`/admin/api/actors/${S.selected.split('/').map(encodeURIComponent).join('/')}/notice`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ message }) });
    } catch (err) {
      alert(`Notice failed: ${err.message}`);
    }
  });

  $('close-room').addEventListener('click', async () => {
    if (!S.selected || !confirm(`Close ${S.selected}? Its clients are disconnected (1000).`)) return;
    try {
      await api(`/admin/api/actors/${S.selected.split('/').map(encodeURIComponent).join('/')}/close`, { method: 'POST' });
      $('detail').textContent = `${S.selected}: closed by you.`;
      S.closed = S.selected;
      clearInterval(S.detailTimer);
      S.selected = null;
      $('detail-actions').hidden = true;
      refreshActors();
    } catch (err) {
      alert(`Close failed: ${err.message}`);
    }
  });

  // -- connections -----------------------------------------------------------------

  /// Who the client is, as its connection actor describes it: identity,
  /// phase and rooms, whatever the dialect names them.
  function clientText(client) {
    if (!client) return '';
    const skip = new Set(['kind', 'id', 'backlog']);
    return Object.entries(client).filter(([k, v]) => !skip.has(k) && v !== '' && !(Array.isArray(v) && !v.length))
      .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}`).join(' · ');
  }

  async function refreshConnections() {
    try {
      const list = await api('/admin/api/connections');
      // In place, like the actor table: a Kick button must not move under the pointer.
      const body = $('connections').tBodies[0];
      const keep = new Set();
      list.items.forEach((c, i) => {
        keep.add(c.id);
        let tr = [...body.rows].find((r) => r.dataset.id === c.id);
        if (!tr) {
          tr = document.createElement('tr');
          tr.dataset.id = c.id;
          cell(tr, c.id);
          cell(tr, c.remote);
          cell(tr, c.path);
          cell(tr, '');
          cell(tr, '');
          cell(tr, '');
          const b = document.createElement('button');
          b.textContent = 'Kick';
          b.className = 'danger';
          b.addEventListener('click', async () => {
            if (!confirm(`Kick connection ${c.id} (${c.remote}, ${c.path})? It is closed with 4000.`)) return;
            try { await api(`/admin/api/connections/${c.id}/kick`, { method: 'POST' }); } catch (err) { alert(err.message); }
            refreshConnections();
          });
          cell(tr, '').append(b);
        }
        tr.cells[3].textContent = `${Math.round(c.ageMs / 1000)} s`;
        tr.cells[4].textContent = bytes(c.sendQueueBytes);
        tr.cells[5].textContent = clientText(c.client);
        if (body.rows[i] !== tr) body.insertBefore(tr, body.rows[i] ?? null);
      });
      for (const r of [...body.rows]) if (!keep.has(r.dataset.id)) r.remove();
    } catch { /* see refreshActors */ }
  }

  // -- start -----------------------------------------------------------------------

  async function start() {
    try {
      renderOverview(await api('/admin/api/overview'));
    } catch (err) {
      if (err.status !== 401 && err.status !== 403) showLogin(err.message);
      return;
    }
    showConsole();
    startEvents();
    refreshActors();
    refreshConnections();
  }

  start();
})();
