// The operator console: polls /admin/api/overview with the ops token and redraws. Every value is
// set with textContent: names, messages and URLs come from users and tenants.
const $ = (sel) => document.querySelector(sel);
const KEY = 'tandem-ops-token';
const POLL_MS = 2000;
let timer = null;

function el(tag, text, attrs = {}) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}
const age = (s) => (s === null ? '—' : s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`);
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
const yes = (b) => el('span', b === null ? 'n/a' : b ? 'up' : 'DOWN', { class: b === false ? 'bad' : 'ok' });

function rows(section, items, cells, key) {
  const body = $(`#${section} tbody`);
  body.replaceChildren();
  if (items.length === 0) {
    const tr = el('tr');
    tr.append(el('td', 'none', { class: 'empty', colspan: String($(`#${section} thead tr`).children.length) }));
    body.append(tr);
    return;
  }
  for (const item of items) {
    const tr = el('tr', undefined, { 'data-id': key(item) });
    for (const c of cells(item)) {
      const td = el('td');
      if (c instanceof Node) td.append(c);
      else td.textContent = c ?? '—';
      tr.append(td);
    }
    body.append(tr);
  }
}

async function api(path, init = {}) {
  const r = await fetch(path, { ...init, headers: { authorization: `Bearer ${sessionStorage.getItem(KEY)}`, ...(init.headers ?? {}) } });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw Object.assign(new Error(body.error?.message ?? `HTTP ${r.status}`), { status: r.status });
  return body;
}

function draw(o) {
  rows('instances', o.instances, (i) => [i.id.slice(0, 8), i.version, when(i.startedAt), i.sockets, yes(i.database), yes(i.redis), yes(i.fanout), when(i.lastSeen)], (i) => i.id);
  const s = o.people.byStatus;
  $('#people .summary').textContent = `${o.people.list.length} online — available ${s.available}, busy ${s.busy}, away ${s.away}, do not disturb ${s.dnd}`;
  rows('people', o.people.list, (p) => [p.tenantId, p.name, p.status, p.rooms], (p) => `${p.tenantId}/${p.userId}`);
  rows('rooms', o.rooms, (r) => [r.tenantId, r.pageKey, r.title, r.people.map((p) => `${p.name} (${p.status})`).join(', ')], (r) => r.roomId);
  rows(
    'help',
    o.helpRequests,
    (h) => [h.tenantId, h.pageKey, h.message, h.urgency, h.requester, h.status, h.helper, `${h.escalation.offers} offers${h.escalation.tier ? `, tier ${h.escalation.tier}` : ''}${h.escalation.tried.length ? `, tried ${h.escalation.tried.join(', ')}` : ''}`, age(h.ageSeconds)],
    (h) => h.id,
  );
  rows('delegations', o.delegations, (d) => [d.tenantId, d.pageKey, d.from, d.to, d.fields.join(', '), d.status, d.dueAt ? el('span', when(d.dueAt), d.overdue ? { class: 'bad' } : {}) : '—', age(d.ageSeconds)], (d) => d.id);
  rows('conflicts', o.conflicts, (c) => [c.tenantId, c.pageKey, c.field, c.user, c.against, c.resolution ?? 'open', when(c.createdAt)], (c) => c.id);
  rows('audit', o.audit, (a) => [when(a.at), a.tenantId, a.actor, a.action, a.subject], (a) => a.id);
  rows('tenants', o.tenants, (t) => [t.id, t.name, when(t.createdAt), t.apiKeys.map((k) => `${k.name} (${k.prefix}…${k.revoked ? ', revoked' : ''})`).join(', ') || 'none'], (t) => t.id);

  const list = $('#webhooks .list');
  list.replaceChildren();
  if (o.webhooks.length === 0) list.append(el('p', 'No webhook endpoints.', { class: 'empty' }));
  for (const w of o.webhooks) {
    const box = el('div', undefined, { 'data-endpoint': w.id });
    box.append(el('h3', `${w.tenantId}: ${w.url}`), el('p', `events: ${w.eventTypes.join(', ')}`));
    const table = el('table');
    const head = el('tr');
    for (const h of ['Delivery', 'Event', 'Status', 'Attempts', 'Last answer', 'Created', '']) head.append(el('th', h));
    table.append(head);
    for (const d of w.deliveries) {
      const tr = el('tr', undefined, { 'data-delivery': d.id, 'data-status': d.status });
      const retry = el('td');
      if (d.status === 'failed') {
        const b = el('button', 'Retry', { type: 'button', 'aria-label': `Retry delivery ${d.id}` });
        b.addEventListener('click', async () => {
          b.disabled = true;
          try {
            await api(`/admin/api/webhooks/deliveries/${encodeURIComponent(w.tenantId)}/${d.id}/retry`, { method: 'POST' });
            $('#status').textContent = `Delivery ${d.id} is being retried`;
            void refresh();
          } catch (err) {
            $('#status').textContent = `Retry failed: ${err.message}`;
            b.disabled = false;
          }
        });
        retry.append(b);
      }
      const status = el('td', d.status, d.status === 'failed' ? { class: 'bad' } : {});
      for (const c of [el('td', d.id), el('td', d.eventType), status, el('td', d.attempts), el('td', d.lastError ?? d.lastStatus ?? '—'), el('td', when(d.createdAt)), retry]) tr.append(c);
      table.append(tr);
    }
    if (w.deliveries.length === 0) table.append(el('tr')).append(el('td', 'no deliveries yet', { class: 'empty', colspan: '7' }));
    box.append(table);
    list.append(box);
  }
}

async function refresh() {
  try {
    const o = await api('/admin/api/overview');
    draw(o);
    $('#status').dataset.updated = o.at;
    if (!$('#status').textContent.startsWith('Delivery') && !$('#status').textContent.startsWith('Retry')) $('#status').textContent = `Updated ${new Date(o.at).toLocaleTimeString()}`;
  } catch (err) {
    if (err.status === 401 || err.status === 404) return signOut(err.message);
    $('#status').textContent = `Could not refresh: ${err.message}`;
  }
}

function signOut(message = '') {
  clearInterval(timer);
  sessionStorage.removeItem(KEY);
  $('#console').hidden = true;
  $('#sign-out').hidden = true;
  $('#sign-in').hidden = false;
  $('#sign-in-error').textContent = message;
}

function signIn() {
  $('#sign-in').hidden = true;
  $('#console').hidden = false;
  $('#sign-out').hidden = false;
  void refresh();
  clearInterval(timer);
  timer = setInterval(refresh, POLL_MS);
}

$('#sign-in').addEventListener('submit', (e) => {
  e.preventDefault();
  sessionStorage.setItem(KEY, $('#token').value);
  $('#token').value = '';
  signIn();
});
$('#sign-out').addEventListener('click', () => signOut());
if (sessionStorage.getItem(KEY)) signIn();
else signOut();
