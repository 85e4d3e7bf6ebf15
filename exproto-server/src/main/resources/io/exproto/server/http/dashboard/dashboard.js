// The gateway's one-page dashboard: plain JavaScript against the management API
// (/api/v5/gateways/exproto/...), no framework and nothing loaded from the network.
(function () {
  'use strict';
  const BASE = '/api/v5/gateways/exproto';
  const LIMIT = 20;
  const POINTS = 90;
  const state = { page: 1, hasNext: false, likeClientid: '', likeUsername: '',
    connections: [], clients: [], inRate: [], outRate: [] };
  const $ = (id) => document.getElementById(id);

  function authHeader() {
    const key = sessionStorage.getItem('exproto.key');
    const secret = sessionStorage.getItem('exproto.secret');
    return key ? { Authorization: 'Basic ' + btoa(key + ':' + (secret || '')) } : {};
  }

  async function api(method, path) {
    const res = await fetch(path, { method, headers: authHeader() });
    if (res.status === 204) { return null; }
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      const err = new Error((body.code || res.status) + ': ' + (body.message || res.statusText));
      err.status = res.status;
      throw err;
    }
    return body;
  }

  function showError(e) {
    const el = $('error');
    if (!e) { el.hidden = true; el.textContent = ''; return; }
    el.hidden = false;
    el.textContent = e.status === 401 ? 'The API needs a key: enter key and secret above. (' + e.message + ')' : e.message;
  }

  function cell(tr, text) {
    const td = document.createElement('td');
    td.textContent = text == null ? '' : String(text);
    tr.appendChild(td);
    return td;
  }

  async function loadClients() {
    const q = new URLSearchParams({ page: state.page, limit: LIMIT });
    if (state.likeClientid) { q.set('like_clientid', state.likeClientid); }
    if (state.likeUsername) { q.set('like_username', state.likeUsername); }
    const res = await api('GET', BASE + '/clients?' + q);
    const body = $('clients').querySelector('tbody');
    body.replaceChildren();
    for (const c of res.data) {
      const tr = document.createElement('tr');
      tr.dataset.clientid = c.clientid;
      cell(tr, c.clientid).className = 'clientid';
      cell(tr, c.username);
      cell(tr, c.ip_address + ':' + c.port);
      cell(tr, c.listener);
      cell(tr, c.connected_at);
      cell(tr, c.recv_oct + ' / ' + c.send_oct);
      cell(tr, c.subscriptions_cnt);
      const kick = document.createElement('button');
      kick.className = 'kick';
      kick.type = 'button';
      kick.textContent = 'Kick';
      kick.dataset.clientid = c.clientid;
      kick.addEventListener('click', () => kickClient(c.clientid));
      tr.appendChild(document.createElement('td')).appendChild(kick);
      body.appendChild(tr);
    }
    state.hasNext = res.meta.hasnext;
    $('client-count').textContent = '(' + res.meta.count + ')';
    $('page').textContent = String(res.meta.page);
    $('prev').disabled = state.page <= 1;
    $('next').disabled = !state.hasNext;
  }

  async function kickClient(clientid) {
    try {
      await api('DELETE', BASE + '/clients/' + encodeURIComponent(clientid));
      showError(null);
    } catch (e) {
      showError(e);
    }
    await refresh();
  }

  async function loadListeners() {
    const list = await api('GET', BASE + '/listeners');
    const body = $('listeners').querySelector('tbody');
    body.replaceChildren();
    for (const l of list) {
      const tr = document.createElement('tr');
      cell(tr, l.id);
      cell(tr, l.bind);
      cell(tr, l.status.current_connections);
      cell(tr, l.status.max_connections);
      cell(tr, l.running ? 'yes' : 'no');
      body.appendChild(tr);
    }
  }

  async function loadMonitor() {
    const m = await api('GET', '/api/v5/monitor_current');
    push(state.connections, m.connections);
    push(state.clients, m.live_connections);
    push(state.inRate, m.received_msg_rate);
    push(state.outRate, m.sent_msg_rate);
    $('connections-now').textContent = String(m.connections);
    $('clients-now').textContent = String(m.live_connections);
    $('in-rate').textContent = m.received_msg_rate.toFixed(1);
    $('out-rate').textContent = m.sent_msg_rate.toFixed(1);
    $('drop-rate').textContent = m.dropped_msg_rate.toFixed(1);
    draw($('connections-chart'), [[state.clients, '#17a673'], [state.connections, '#2f6fed']]);
    draw($('rates-chart'), [[state.inRate, '#2f6fed'], [state.outRate, '#17a673']]);
  }

  function push(series, v) {
    series.push(Number(v) || 0);
    if (series.length > POINTS) { series.shift(); }
  }

  // A line chart drawn by hand: a grid with the maximum labelled, one polyline per series.
  function draw(canvas, series) {
    const ctx = canvas.getContext('2d');
    const w = canvas.width, h = canvas.height, pad = 24;
    ctx.clearRect(0, 0, w, h);
    let max = 1;
    for (const [s] of series) { for (const v of s) { max = Math.max(max, v); } }
    max = niceCeil(max);
    ctx.strokeStyle = '#e3e6ee';
    ctx.fillStyle = '#6b7385';
    ctx.font = '11px system-ui, sans-serif';
    ctx.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const y = pad / 2 + (h - pad) * i / 4;
      ctx.beginPath(); ctx.moveTo(pad + 16, y); ctx.lineTo(w - 4, y); ctx.stroke();
      ctx.fillText(fmt(max * (4 - i) / 4), 2, y + 4);
    }
    for (const [s, color] of series) {
      if (s.length < 2) { continue; }
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.beginPath();
      s.forEach((v, i) => {
        const x = pad + 16 + (w - pad - 20) * (i + POINTS - s.length) / (POINTS - 1);
        const y = pad / 2 + (h - pad) * (1 - v / max);
        if (i === 0) { ctx.moveTo(x, y); } else { ctx.lineTo(x, y); }
      });
      ctx.stroke();
    }
  }

  function niceCeil(v) {
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 5, 10]) { if (m * p >= v) { return m * p; } }
    return 10 * p;
  }

  function fmt(v) {
    return v >= 1000 ? (v / 1000).toFixed(v >= 10000 ? 0 : 1) + 'k' : String(Math.round(v * 10) / 10);
  }

  async function loadStatus() {
    const g = await api('GET', BASE);
    $('node').textContent = g.listeners.length + ' listener(s)';
    const s = $('status');
    s.textContent = g.status;
    s.className = 'badge ' + (g.status === 'running' ? 'running' : 'down');
  }

  let refreshing = false;
  async function refresh() {
    if (refreshing) { return; }
    refreshing = true;
    try {
      await loadStatus();
      await Promise.all([loadClients(), loadListeners(), loadMonitor()]);
      showError(null);
    } catch (e) {
      showError(e);
      $('status').textContent = 'unreachable';
      $('status').className = 'badge down';
    } finally {
      refreshing = false;
    }
  }

  $('login').addEventListener('submit', (ev) => {
    ev.preventDefault();
    sessionStorage.setItem('exproto.key', $('api-key').value.trim());
    sessionStorage.setItem('exproto.secret', $('api-secret').value);
    refresh();
  });
  $('search').addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.likeClientid = $('search-clientid').value.trim();
    state.likeUsername = $('search-username').value.trim();
    state.page = 1;
    refresh();
  });
  $('prev').addEventListener('click', () => { if (state.page > 1) { state.page--; refresh(); } });
  $('next').addEventListener('click', () => { if (state.hasNext) { state.page++; refresh(); } });
  $('api-key').value = sessionStorage.getItem('exproto.key') || '';

  refresh();
  setInterval(refresh, 2000);
})();
