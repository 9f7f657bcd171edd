'use strict';
// otwatch console UI: plain JavaScript, no external code. Talks to /api/v1.
const $ = (s, el = document) => el.querySelector(s);
let me = null;

async function api(method, path, body) {
  const h = { 'Accept': 'application/json' };
  if (body !== undefined) h['Content-Type'] = 'application/json';
  if (me && method !== 'GET') h['X-CSRF-Token'] = me.csrf_token;
  const r = await fetch('/api/v1' + path, { method, headers: h, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body) });
  const txt = await r.text();
  const data = txt ? JSON.parse(txt) : null;
  if (r.status === 401 && path !== '/session') { showLogin(); throw new Error('signed out'); }
  if (!r.ok) throw new Error((data && data.error) || r.statusText);
  return data;
}

function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const k of kids.flat()) e.append(k instanceof Node ? k : document.createTextNode(k ?? ''));
  return e;
}

// Live push (/api/v1/ws): counters every second, new alerts as stored.
let ws = null;
function livePush() {
  if (ws) ws.close();
  ws = new WebSocket(`wss://${location.host}/api/v1/ws`);
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    if (m.type === 'tick') {
      for (const e of document.querySelectorAll('[data-k]')) {
        const [a, b] = e.dataset.k.split('.');
        if (m[a] && m[a][b] !== undefined) e.textContent = String(m[a][b]);
      }
    } else if (m.type === 'alerts' && m.items.length) {
      const toast = el('div', { class: 'toast', role: 'status' },
        `${m.items.length} new alert${m.items.length > 1 ? 's' : ''}: ${m.items[0].title}`);
      document.body.append(toast);
      setTimeout(() => toast.remove(), 8000);
      if ((location.hash || '').startsWith('#/alerts')) route();
    }
  };
}

function showLogin() {
  me = null;
  setupDone = false;
  if (ws) { ws.close(); ws = null; }
  $('#app').hidden = true;
  $('#login').hidden = false;
  $('#login-user').focus();
}

async function showApp() {
  $('#login').hidden = true;
  $('#app').hidden = false;
  $('#who').textContent = `${me.username} (${me.role})`;
  for (const a of document.querySelectorAll('nav a[data-role]'))
    a.hidden = a.dataset.role === 'admin' && me.role !== 'admin';
  livePush();
  route();
}

$('#login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('#login-err').textContent = '';
  try {
    me = await api('POST', '/session', { username: $('#login-user').value, password: $('#login-pw').value });
    $('#login-pw').value = '';
    showApp();
  } catch (e) { $('#login-err').textContent = e.message; }
});
$('#logout').addEventListener('click', async () => { try { await api('DELETE', '/session'); } catch (e) {} showLogin(); });

// A paged, searchable table over a list endpoint. Where the API hands out
// a "next" cursor (devices, unfiltered) Next follows it: one seek on the
// server however deep the page; otherwise offset paging.
function listView(title, path, cols) {
  let offset = 0, q = '', next = null;
  const cursors = [];
  const limit = 100;
  const body = el('tbody');
  const info = el('span', { class: 'muted' });
  const search = el('input', { type: 'search', placeholder: 'filter', 'aria-label': 'filter' });
  const prevB = el('button', { onclick: () => { offset = Math.max(0, offset - limit); cursors.pop(); load(); } }, 'Previous');
  const nextB = el('button', { onclick: () => { offset += limit; cursors.push(next); load(); } }, 'Next');
  let timer;
  search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => { q = search.value; offset = 0; cursors.length = 0; load(); }, 250); });
  async function load() {
    const after = cursors.length ? cursors[cursors.length - 1] : null;
    const d = await api('GET', after && !q ? `${path}?after=${after}&limit=${limit}`
      : `${path}?offset=${offset}&limit=${limit}&q=${encodeURIComponent(q)}`);
    next = d.next || null;
    body.replaceChildren(...d.items.map((it) => el('tr', {}, cols.map((c) => el('td', {}, c.f(it))))));
    performance.mark('otw:list:' + title.toLowerCase());
    info.textContent = d.total ? `${offset + 1}-${Math.min(offset + limit, d.total)} of ${d.total}` : 'none';
    prevB.disabled = offset === 0;
    nextB.disabled = offset + limit >= d.total;
  }
  load();
  return el('section', { class: 'card' }, el('h2', {}, title),
    el('div', { class: 'toolbar' }, search, prevB, nextB, info),
    el('table', { 'data-list': title.toLowerCase() }, el('thead', {}, el('tr', {}, cols.map((c) => el('th', {}, c.h)))), body));
}

const tags = (a) => (a || []).map((x) => el('span', { class: 'tag' }, x));
const views = {
  async overview() {
    const h = await api('GET', '/health');
    // data-k: the tick pushed over the WebSocket updates the tile in place
    const t = (k, n, label) => el('div', { class: 'card tile' }, el('div', { class: 'n', 'data-k': k }, String(n ?? 0)), el('div', { class: 'muted' }, label));
    return el('section', {}, el('div', { class: 'tiles' },
      t('records.device', h.records.device, 'devices'), t('records.conn', h.records.conn, 'connections'),
      t('records.op', h.records.op, 'operation kinds'),
      t('counters.events', h.counters.events, 'events merged'), t('counters.msgs_lost', h.counters.msgs_lost, 'event messages lost')));
  },
  devices: () => listView('Devices', '/devices', [
    { h: 'MAC', f: (d) => d.mac }, { h: 'IP', f: (d) => (d.ips || []).join(', ') },
    { h: 'Vendor', f: (d) => d.vendor || '' }, { h: 'Model', f: (d) => d.model || '' },
    { h: 'Firmware', f: (d) => d.firmware || '' }, { h: 'Serves', f: (d) => tags(d.serves) },
    { h: 'Uses', f: (d) => tags(d.uses) }, { h: 'Last seen', f: (d) => d.last_seen || '' }]),
  connections: () => listView('Connections', '/connections', [
    { h: 'Client', f: (c) => `${c.src_ip}:${c.src_port}` }, { h: 'Server', f: (c) => `${c.dst_ip}:${c.dst_port}` },
    { h: 'App', f: (c) => c.app || '' }, { h: 'Packets', f: (c) => String(c.packets) },
    { h: 'Bytes', f: (c) => String(c.bytes) }, { h: 'Last seen', f: (c) => c.last_seen || '' }]),
  operations: () => listView('Operations', '/operations', [
    { h: 'Client', f: (o) => o.src_ip }, { h: 'Server', f: (o) => o.dst_ip }, { h: 'App', f: (o) => o.app },
    { h: 'Function', f: (o) => o.name || String(o.func) },
    { h: 'Category', f: (o) => el('span', { class: `tag cat-${o.category}` }, o.category) },
    { h: 'Count', f: (o) => String(o.count) }, { h: 'Exceptions', f: (o) => String(o.exceptions) }]),
  async alerts() {
    let status = 'open';
    const body = el('tbody');
    const info = el('span', { class: 'muted' });
    const sel = el('select', { 'aria-label': 'status' }, ['open', 'muted', 'closed', 'learned', 'any'].map((x) => el('option', {}, x)));
    const canAct = me.role === 'analyst' || me.role === 'admin';
    async function act(a, action) {
      try { await api('POST', `/alerts/${a.id}`, { action }); load(); } catch (e) { info.textContent = e.message; }
    }
    async function load() {
      const d = await api('GET', `/alerts?status=${status}&limit=200`);
      info.textContent = `${d.total} ${status === 'any' ? '' : status} alert(s)`;
      body.replaceChildren(...d.items.map((a) => el('tr', { 'data-alert': String(a.id) },
        el('td', {}, el('span', { class: `tag sev-${a.severity}` }, a.severity)),
        el('td', { title: `${a.description}\n\n${a.recommendation}` }, a.title),
        el('td', {}, a.engine), el('td', {}, a.src_ip || ''), el('td', {}, a.dst_ip || ''),
        el('td', {}, String(a.count)), el('td', {}, a.last_seen || ''), el('td', {}, a.status),
        el('td', {}, [el('a', { href: `/api/v1/alerts/${a.id}/pcap`, download: '', title: 'the packets behind this alert (pcap)' }, 'PCAP')]
          .concat(canAct ? ['close', 'mute', 'learn'].map((x) =>
            el('button', { class: 'link', onclick: () => act(a, x) }, x[0].toUpperCase() + x.slice(1))) : [])))));
    }
    sel.addEventListener('change', () => { status = sel.value; load(); });
    await load();
    return el('section', { class: 'card' }, el('h2', {}, 'Alerts'), el('div', { class: 'toolbar' }, sel, info),
      el('table', { 'data-list': 'alerts' }, el('thead', {}, el('tr', {},
        ['Severity', 'Title', 'Engine', 'Source', 'Destination', 'Count', 'Last seen', 'Status', ''].map((x) => el('th', {}, x)))), body));
  },
  async users() {
    const d = await api('GET', '/users');
    const err = el('p', { class: 'error', role: 'alert' });
    const name = el('input', { placeholder: 'user name', 'aria-label': 'user name' });
    const pw = el('input', { type: 'password', placeholder: 'password', 'aria-label': 'password' });
    const role = el('select', { 'aria-label': 'role' }, ['readonly', 'analyst', 'admin'].map((r) => el('option', {}, r)));
    const add = el('button', { onclick: async () => {
      try { await api('POST', '/users', { username: name.value, role: role.value, password: pw.value }); route(); }
      catch (e) { err.textContent = e.message; } } }, 'Add user');
    return el('section', { class: 'card' }, el('h2', {}, 'Users'),
      el('table', {}, el('thead', {}, el('tr', {}, ['User', 'Role', 'Last sign-in', ''].map((x) => el('th', {}, x)))),
        el('tbody', {}, d.items.map((u) => el('tr', {}, el('td', {}, u.username), el('td', {}, u.role),
          el('td', {}, u.last_login || ''), el('td', {}, u.username === me.username ? '' :
            el('button', { class: 'link', onclick: async () => { await api('DELETE', '/users/' + encodeURIComponent(u.username)); route(); } }, 'Delete')))))),
      el('div', { class: 'toolbar' }, name, role, pw, add), err, await tokensCard());
  },
  async audit() {
    let offset = 0, action = '';
    const limit = 50;
    const body = el('tbody');
    const info = el('span', { class: 'muted' });
    const filter = el('select', { 'aria-label': 'action' }, ['', 'session.', 'user.', 'token.', 'alert.', 'setup.', 'activation.']
      .map((x) => el('option', { value: x }, x ? x.slice(0, -1) : 'all actions')));
    const prev = el('button', { onclick: () => { offset = Math.max(0, offset - limit); load(); } }, 'Newer');
    const next = el('button', { onclick: () => { offset += limit; load(); } }, 'Older');
    async function load() {
      const d = await api('GET', `/audit?offset=${offset}&limit=${limit}&action=${encodeURIComponent(action)}`);
      body.replaceChildren(...d.items.map((e) => el('tr', { 'data-audit': String(e.id) },
        el('td', {}, e.time), el('td', {}, e.user), el('td', {}, e.action), el('td', {}, e.object), el('td', { class: 'muted' }, e.detail))));
      info.textContent = d.items.length ? `${offset + 1}-${offset + d.items.length}` : 'none';
      prev.disabled = offset === 0;
      next.disabled = !d.more;
    }
    filter.addEventListener('change', () => { action = filter.value; offset = 0; load(); });
    await load();
    return el('section', { class: 'card' }, el('h2', {}, 'Audit trail'), el('div', { class: 'toolbar' }, filter, prev, next, info),
      el('table', { 'data-list': 'audit' }, el('thead', {}, el('tr', {},
        ['Time (UTC)', 'User', 'Action', 'Object', 'Detail'].map((x) => el('th', {}, x)))), body));
  },
};

// Device map: devices grouped by subnet (/24, IPv6 /64), clusters on a
// grid, devices on a sunflower spiral in their cluster; edges are summed
// connections. One canvas, one path per layer: thousands of nodes and
// tens of thousands of edges redraw in a frame. Drag pans, wheel zooms.
function subnetOf(ip) {
  if (!ip) return 'no IP';
  if (ip.includes('.')) return ip.split('.').slice(0, 3).join('.') + '.0/24';
  return ip.split(':').slice(0, 4).join(':') + '::/64';
}
function layoutMap(d) {
  const groups = new Map(), byIp = new Map();
  d.nodes.forEach((n, i) => {
    const key = subnetOf((n.ips || [])[0]);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(i);
    for (const ip of n.ips || []) byIp.set(ip, i);
  });
  const names = [...groups.keys()].sort();
  const cols = Math.ceil(Math.sqrt(names.length));
  const cell = Math.max(...names.map((k) => 14 * Math.sqrt(groups.get(k).length))) * 2 + 60;
  const pos = new Float32Array(d.nodes.length * 2), clusters = [];
  names.forEach((k, gi) => {
    const cx = (gi % cols) * cell, cy = Math.floor(gi / cols) * cell, ids = groups.get(k);
    clusters.push({ name: k, x: cx, y: cy, r: 14 * Math.sqrt(ids.length) + 14, n: ids.length });
    ids.forEach((id, j) => {  // golden-angle spiral: even density, no overlap
      const r = 14 * Math.sqrt(j + 0.5), a = j * 2.39996;
      pos[2 * id] = cx + r * Math.cos(a); pos[2 * id + 1] = cy + r * Math.sin(a);
    });
  });
  const edges = [];
  for (const [a, b, conns] of d.edges) {
    const i = byIp.get(a), j = byIp.get(b);
    if (i !== undefined && j !== undefined && i !== j) edges.push(i, j, conns);
  }
  return { pos, clusters, edges, cell, cols };
}
views.map = async function () {
  const d = await api('GET', '/map?nodes=5000&edges=20000');
  const L = layoutMap(d);
  const canvas = el('canvas', { id: 'map', width: 1200, height: 640, 'aria-label': 'device map' });
  const tip = el('div', { class: 'maptip', hidden: '' });
  const info = el('span', { class: 'muted' }, `${d.nodes.length} devices, ${L.edges.length / 3} links, ${L.clusters.length} subnets` +
    (d.truncated ? ' (capped)' : ''));
  const ctx = canvas.getContext('2d');
  const span = Math.max(1, Math.ceil(L.clusters.length / L.cols)) * L.cell;
  let scale = Math.min(canvas.width / (L.cols * L.cell), canvas.height / span) || 1, ox = L.cell / 2 * scale, oy = L.cell / 2 * scale;
  let frame = 0;
  function draw() {
    frame = 0;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.setTransform(scale, 0, 0, scale, ox, oy);
    ctx.lineWidth = 1 / scale;
    ctx.strokeStyle = 'rgba(63,182,168,0.18)';
    ctx.beginPath();
    for (let k = 0; k < L.edges.length; k += 3) {
      const i = L.edges[k], j = L.edges[k + 1];
      ctx.moveTo(L.pos[2 * i], L.pos[2 * i + 1]); ctx.lineTo(L.pos[2 * j], L.pos[2 * j + 1]);
    }
    ctx.stroke();
    ctx.strokeStyle = '#263442';
    for (const c of L.clusters) { ctx.beginPath(); ctx.arc(c.x, c.y, c.r, 0, 6.2832); ctx.stroke(); }
    ctx.fillStyle = '#dce6ee';
    const s = Math.max(2, 3 / scale);
    ctx.beginPath();
    for (let i = 0; i < d.nodes.length; i++) ctx.rect(L.pos[2 * i] - s / 2, L.pos[2 * i + 1] - s / 2, s, s);
    ctx.fill();
    if (scale > 0.25) {
      ctx.fillStyle = '#8aa0b3';
      ctx.font = `${12 / scale}px system-ui`;
      for (const c of L.clusters) ctx.fillText(`${c.name} (${c.n})`, c.x - c.r, c.y - c.r - 4 / scale);
    }
    canvas.dataset.drawn = String(Number(canvas.dataset.drawn || 0) + 1);
  }
  const redraw = () => { if (!frame) frame = requestAnimationFrame(draw); };
  let drag = null;
  // CSS may shrink the canvas: event pixels -> canvas pixels
  const at = (e) => { const r = canvas.getBoundingClientRect(), k = canvas.width / r.width;
    return [(e.clientX - r.left) * k, (e.clientY - r.top) * k, e.clientX - r.left, e.clientY - r.top]; };
  canvas.addEventListener('mousedown', (e) => { const [x, y] = at(e); drag = { x: x - ox, y: y - oy }; });
  window.addEventListener('mouseup', () => { drag = null; });
  canvas.addEventListener('mousemove', (e) => {
    const [px, py, cx, cy] = at(e);
    if (drag) { ox = px - drag.x; oy = py - drag.y; redraw(); return; }
    const x = (px - ox) / scale, y = (py - oy) / scale;
    const c = L.clusters.find((k) => (k.x - x) ** 2 + (k.y - y) ** 2 < k.r ** 2);
    let best = -1, bd = (8 / scale) ** 2;
    if (c) for (let i = 0; i < d.nodes.length; i++) {  // only when over a cluster
      const dd = (L.pos[2 * i] - x) ** 2 + (L.pos[2 * i + 1] - y) ** 2;
      if (dd < bd) { bd = dd; best = i; }
    }
    tip.hidden = best < 0;
    if (best >= 0) {
      const n = d.nodes[best];
      tip.textContent = [(n.ips || []).join(', '), n.mac, n.vendor, n.model].filter(Boolean).join(' · ');
      tip.style.left = `${cx + 12}px`; tip.style.top = `${cy + 12}px`;
    }
  });
  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    const [mx, my] = at(e);
    const f = Math.exp(-e.deltaY * 0.0015);
    ox = mx - (mx - ox) * f; oy = my - (my - oy) * f; scale *= f; redraw();
  }, { passive: false });
  draw();
  return el('section', { class: 'card' }, el('h2', {}, 'Device map'), el('div', { class: 'toolbar' }, info,
    el('span', { class: 'muted' }, 'drag to pan, wheel to zoom')), el('div', { class: 'mapwrap' }, canvas, tip));
};

// API tokens (admin): the secret is shown once, right after it is made.
async function tokensCard() {
  const d = await api('GET', '/tokens');
  const err = el('p', { class: 'error', role: 'alert' });
  const shown = el('p', { class: 'secret' });
  const name = el('input', { placeholder: 'token name', 'aria-label': 'token name' });
  const role = el('select', { 'aria-label': 'token role' }, ['readonly', 'analyst', 'admin'].map((r) => el('option', {}, r)));
  const rows = el('tbody', {}, d.items.map((t) => el('tr', { 'data-token': t.name }, el('td', {}, t.name), el('td', {}, t.role),
    el('td', {}, t.created_by), el('td', {}, t.created),
    el('td', {}, el('button', { class: 'link', onclick: async () => { await api('DELETE', '/tokens/' + encodeURIComponent(t.name)); route(); } }, 'Revoke')))));
  const add = el('button', { onclick: async () => {
    try {
      const t = await api('POST', '/tokens', { name: name.value, role: role.value });
      shown.replaceChildren('Token ', el('code', {}, t.token), ' — copy it now, it is not shown again.');
    } catch (e) { err.textContent = e.message; } } }, 'Make token');
  return el('section', { class: 'card', style: 'margin-top:16px' }, el('h2', {}, 'API tokens'),
    el('table', { 'data-list': 'tokens' }, el('thead', {}, el('tr', {}, ['Name', 'Role', 'Made by', 'Made', ''].map((x) => el('th', {}, x)))), rows),
    el('div', { class: 'toolbar' }, name, role, add), shown, err);
}

// First start: an admin sees this wizard until setup is complete.
async function wizard(cur) {
  const err = el('p', { class: 'error', role: 'alert' });
  const field = (name, label, attrs = {}) => el('label', {}, label,
    el('input', Object.assign({ name, value: cur[name] || '' }, attrs)));
  const mode = el('select', { name: 'mode' }, ['local', 'managed', 'cloud'].map((m) =>
    el('option', m === (cur.mode || 'local') ? { selected: '' } : {}, m)));
  const form = el('form', { class: 'card wizard', id: 'wizard' },
    el('h2', {}, 'Set up this sensor'),
    el('p', { class: 'muted' }, 'Shown to administrators until the sensor is set up. Certificates are imported with "otwatch setup --cert import".'),
    field('sensor_name', 'Sensor name', { required: '' }),
    field('interfaces', 'Monitored interfaces (comma separated)', { required: '', placeholder: 'eth1,eth2' }),
    field('mgmt_address', 'Management address (optional)', { placeholder: 'mgmt.example.org:443' }),
    field('timezone', 'Time zone', { placeholder: 'UTC' }),
    field('proxy', 'Proxy (optional)', { placeholder: 'http://proxy:3128' }),
    el('label', {}, 'Mode', mode),
    el('button', { type: 'submit' }, 'Finish setup'), err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    const body = {};
    for (const i of form.querySelectorAll('input, select')) body[i.name] = i.value.trim();
    if (!body.timezone) body.timezone = 'UTC';
    try { await api('POST', '/setup', body); setupDone = true; route(); } catch (e) { err.textContent = e.message; }
  });
  return form;
}
let setupDone = false;

async function route() {
  if (!me) return;
  if (me.role === 'admin' && !setupDone) {
    try {
      const cur = await api('GET', '/setup');
      setupDone = cur.complete;
      if (!cur.complete) { $('#view').replaceChildren(await wizard(cur)); return; }
    } catch (e) { /* fall through to the normal view */ }
  }
  const name = (location.hash.replace(/^#\//, '') || 'overview').split('/')[0];
  const v = views[name] || views.overview;
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.view === name);
  try { $('#view').replaceChildren(await v()); } catch (e) { $('#view').replaceChildren(el('p', { class: 'error' }, e.message)); }
}
window.addEventListener('hashchange', route);

(async () => {
  try { me = await api('GET', '/session'); showApp(); } catch (e) { showLogin(); }
})();
