import type { DelegationView } from '../../features/delegation/messages.js';
import type { AssistanceView } from '../../features/assistance/messages.js';
import type { Suggestion } from '../../features/suggestions/rank.js';
import type { FieldBadge, FieldInfo, OverlayContext } from '../core/types.js';
import { bindingOf } from '../bindings/index.js';
import { hostOriginsOf, pageLinkTarget } from '../core/navigate.js';
import { errorText, t } from '../core/i18n.js';
import { icon } from '../core/icons.js';
import type { CallService } from '../calls/types.js';
import { workCss } from './styles.js';

type Delegation = DelegationView;
type Help = AssistanceView;

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string, attrs: Record<string, string> = {}) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
};
const button = (text: string, action: string, onClick: () => void, kind = '') => {
  const b = el('button', `tdm-btn work-btn ${kind}`.trim(), text, { type: 'button', 'data-action': action });
  b.addEventListener('click', onClick);
  return b;
};
const OPEN = new Set(['pending', 'accepted', 'submitted', 'rejected']);
const statusText = (s: string) => t(`work.status.${s}` as 'work.status.pending');

/** A field's current value as the form shows it. */
function valueOf(f: FieldInfo): unknown {
  const v = bindingOf(f).read();
  if (f.kind === 'number' && typeof v === 'string') return v === '' ? null : Number(v);
  return v;
}

export function initWork(ctx: OverlayContext) {
  const delegations = new Map<string, Delegation>();
  const helps = new Map<string, Help>();
  const offers = new Map<string, { request: Help; reason: string }>();
  let queue: Help[] = [];
  let selecting = false;
  const selected = new Set<string>();
  const badges = new Map<string, FieldBadge>();
  const locked = new Set<string>();
  let approverRole = 'approver';

  ctx.ui.addStyle(workCss);
  const panel = ctx.ui.addPanel({ id: 'work', title: t('work.title') });
  const toolbar = ctx.ui.addToolbarButton({ id: 'work', label: t('work.title'), text: t('work.open'), icon: 'work', onClick: () => (panel.toggle(), render()) });
  const banner = el('div', 'work-banner', undefined, { role: 'status', hidden: '' });
  ctx.ui.root.querySelector('.tdm-bar')?.append(banner);

  const me = () => ctx.user?.id ?? '';
  const isApprover = () => ctx.user?.roles.includes(approverRole) ?? false;
  const toast = (t: string, kind: 'info' | 'error' = 'info') => ctx.ui.toast(t, { kind });
  const fail = (r: { ok: false; error: { code: string; message: string } }) => toast(errorText(r.error), 'error');

  // ---- badges and locks on delegated fields ----
  function paintFields() {
    const holders = new Map<string, Delegation>();
    for (const d of delegations.values()) {
      if (d.roomId !== ctx.room?.roomId || !OPEN.has(d.status)) continue;
      for (const f of d.fields) holders.set(f.name, d);
    }
    for (const [name, b] of badges) if (!holders.has(name) && !selected.has(name)) (b.remove(), badges.delete(name));
    for (const [name, d] of holders) {
      const text = `${d.assignee.name} · ${d.status === 'submitted' ? t('work.in_review') : statusText(d.status)}`;
      let b = badges.get(name);
      if (!b) badges.set(name, (b = ctx.ui.fieldBadge(name, { id: `work-${name}`, label: t('work.badge', { name: d.assignee.name, status: statusText(d.status) }) })));
      b.el.replaceChildren(icon('arrow', 12), text);
      b.el.dataset.workField = name;
      b.el.dataset.status = d.status;
      b.el.dataset.assignee = d.assignee.id;
      b.el.setAttribute('aria-label', t('work.badge', { name: d.assignee.name, status: statusText(d.status) }));
    }
    for (const name of selected) {
      if (holders.has(name)) continue;
      let b = badges.get(name);
      if (!b) badges.set(name, (b = ctx.ui.fieldBadge(name, { id: `work-${name}`, label: t('work.badge_selected') })));
      b.el.replaceChildren(icon('check', 12), t('work.selected_short'));
      b.el.dataset.workField = name;
      b.el.dataset.status = 'selected';
    }
    // Locks mirror the server's rule (the server enforces it): the assignee writes while
    // accepted or rejected, nobody while submitted.
    const shouldLock = new Set<string>();
    for (const [name, d] of holders) {
      const mine = d.assignee.id === me() && (d.hold === 'assignee');
      if (d.hold === 'free' || mine) continue;
      shouldLock.add(name);
    }
    // Through the binding: the widget people see is locked too, and the control stays in the submitted form.
    for (const name of locked) {
      if (shouldLock.has(name)) continue;
      const f = ctx.fields.get(name);
      if (f) bindingOf(f).setLocked(false);
      locked.delete(name);
    }
    for (const name of shouldLock) {
      const f = ctx.fields.get(name);
      if (locked.has(name) || !f) continue;
      bindingOf(f).setLocked(true);
      locked.add(name);
    }
  }

  // ---- delegate mode ----
  const onPick = (ev: Event) => {
    if (!selecting) return;
    const f = ctx.fields.fieldOf(ev.target);
    if (!f) return;
    ev.preventDefault();
    if (selected.has(f.name)) selected.delete(f.name);
    else selected.add(f.name);
    paintFields();
    render();
  };
  document.addEventListener('click', onPick, true);

  /** The keyboard way to pick fields: one checkbox per writable field, in sync with clicks in the form. */
  function fieldPicker(): HTMLElement {
    const box = el('fieldset', 'work-fields');
    box.append(el('legend', 'work-label', t('work.fields')));
    for (const f of ctx.fields.all()) {
      if (f.readOnly) continue;
      const label = el('label', 'work-field');
      const cb = el('input', undefined, undefined, { type: 'checkbox', 'data-input': 'pick-field', value: f.name }) as HTMLInputElement;
      cb.checked = selected.has(f.name);
      cb.addEventListener('change', () => {
        if (cb.checked) selected.add(f.name);
        else selected.delete(f.name);
        paintFields();
        box.parentElement?.querySelector('.work-hint')?.replaceChildren(selected.size ? t('work.selected', { fields: [...selected].map((n) => ctx.fields.get(n)?.label || n).join(', ') }) : t('work.pick_hint'));
      });
      label.append(cb, el('span', undefined, f.label || f.name));
      box.append(label);
    }
    return box;
  }

  async function loadSuggestions(list: HTMLElement, select: HTMLSelectElement) {
    if (!ctx.room) return;
    const r = await ctx.request<{ suggestions: Suggestion[] }>('work:suggest', { roomId: ctx.room.roomId, limit: 8 });
    if (!r.ok) return fail(r);
    list.replaceChildren();
    select.replaceChildren(el('option', undefined, t('work.pick_someone'), { value: '' }));
    for (const s of r.suggestions) {
      select.append(el('option', undefined, s.name, { value: s.userId }));
      const li = el('li', 'work-suggestion', undefined, { 'data-user-id': s.userId });
      const pick = button(s.name, 'pick-assignee', () => (select.value = s.userId));
      li.append(pick, el('span', 'work-why', s.why));
      list.append(li);
    }
  }

  function delegateForm(): HTMLElement {
    const box = el('section', 'work-section', undefined, { 'data-section': 'delegate' });
    box.append(el('h3', undefined, t('work.delegate_h')));
    if (!selecting) {
      box.append(button(t('work.pick_mode'), 'delegate-mode', () => ((selecting = true), selected.clear(), render(), panel.body.querySelector<HTMLElement>('[data-input="pick-field"]')?.focus())));
      return box;
    }
    box.append(el('p', 'work-hint', selected.size ? t('work.selected', { fields: [...selected].map((n) => ctx.fields.get(n)?.label || n).join(', ') }) : t('work.pick_hint')), fieldPicker());
    const select = el('select', 'work-input', undefined, { 'aria-label': t('work.assignee'), 'data-input': 'assignee' }) as HTMLSelectElement;
    const list = el('ul', 'work-suggestions', undefined, { 'aria-label': t('work.suggested') });
    void loadSuggestions(list, select);
    const note = el('textarea', 'work-input', undefined, { 'aria-label': t('work.note'), placeholder: t('work.note'), 'data-input': 'note', rows: '2' }) as HTMLTextAreaElement;
    const due = el('input', 'work-input', undefined, { type: 'datetime-local', 'aria-label': t('work.due'), 'data-input': 'due' }) as HTMLInputElement;
    const send = button(t('work.delegate'), 'delegate', async () => {
      if (!ctx.room || selected.size === 0 || !select.value) return toast(t('work.need_pick'), 'error');
      const names = [...selected];
      const values: Record<string, unknown> = {};
      const meta: Record<string, { label: string; kind: string }> = {};
      for (const n of names) {
        const f = ctx.fields.get(n);
        if (!f) continue;
        values[n] = valueOf(f);
        meta[n] = { label: f.label, kind: f.kind };
      }
      const r = await ctx.request<{ delegation: Delegation }>('work:delegate', {
        roomId: ctx.room.roomId, fields: names, assigneeId: select.value, note: note.value, values, meta,
        ...(due.value ? { dueAt: new Date(due.value).toISOString() } : {}),
      });
      if (!r.ok) return fail(r);
      upsert(r.delegation);
      selecting = false;
      selected.clear();
      toast(t('work.delegated_to', { name: r.delegation.assignee.name }));
      paintFields();
      render();
    }, 'work-primary');
    box.append(el('span', 'work-label', t('work.assignee')), select, list, note, el('span', 'work-label', t('work.due')), due, send,
      button(t('work.cancel'), 'delegate-cancel', () => ((selecting = false), selected.clear(), paintFields(), render())));
    return box;
  }

  // ---- delegations ----
  async function act(d: Delegation, action: string, extra: Record<string, unknown> = {}) {
    const r = await ctx.request<{ delegation: Delegation }>('work:delegation:act', { id: d.id, action, ...extra });
    if (!r.ok) return fail(r);
    upsert(r.delegation);
  }

  function delegationCard(d: Delegation): HTMLElement {
    const card = el('article', 'work-card', undefined, { 'data-delegation-id': d.id, 'data-status': d.status });
    const names = d.fields.map((f) => f.label || f.name).join(', ');
    card.append(el('div', 'work-title', `${d.delegator.name} → ${d.assignee.name}: ${names}`), el('div', 'work-status', statusText(d.status)));
    if (d.note) card.append(el('div', 'work-note', d.note));
    const reason = (d.state as { reason?: string }).reason;
    if (d.status === 'rejected' && reason) card.append(el('div', 'work-note', t('work.sent_back', { reason })));
    if (d.submittedValues && (d.status === 'submitted' || d.status === 'approved')) {
      card.append(el('div', 'work-note', t('work.submitted_values', { values: Object.entries(d.submittedValues).map(([k, v]) => `${k} = ${String(v)}`).join('; ') })));
    }
    if (d.dueAt) card.append(el('div', 'work-hint', t('work.due_at', { when: new Date(d.dueAt).toLocaleString() })));
    if (d.roomId !== ctx.room?.roomId && d.pageUrl) card.append(button(t('work.open_page'), 'open-page', () => go(d.pageUrl)));
    const assignee = d.assignee.id === me();
    const reviewer = d.delegator.id === me() || isApprover();
    const actions = el('div', 'work-actions');
    if (assignee && d.status === 'pending') actions.append(button(t('work.accept'), 'accept', () => act(d, 'accept'), 'work-primary'), button(t('work.decline'), 'decline', () => act(d, 'decline')));
    if (assignee && (d.status === 'accepted' || d.status === 'rejected')) {
      actions.append(button(t('work.submit'), 'submit', () => {
        const values: Record<string, unknown> = {};
        for (const f of d.fields) {
          const info = ctx.fields.get(f.name);
          if (info) values[f.name] = valueOf(info);
        }
        return act(d, 'submit', { values });
      }, 'work-primary'));
    }
    if (reviewer && d.status === 'submitted') {
      const why = el('input', 'work-input', undefined, { 'aria-label': t('work.reject_reason'), placeholder: t('work.reject_reason'), 'data-input': 'reject-reason' }) as HTMLInputElement;
      actions.append(button(t('work.approve'), 'approve', () => act(d, 'approve'), 'work-primary'), why, button(t('work.reject'), 'reject', () => act(d, 'reject', { note: why.value })));
    }
    if (reviewer && OPEN.has(d.status)) actions.append(button(t('work.cancel_delegation'), 'cancel', () => act(d, 'cancel')));
    if (actions.childElementCount) card.append(actions);
    return card;
  }

  // ---- assistance ----
  function helpForm(): HTMLElement {
    const box = el('section', 'work-section', undefined, { 'data-section': 'help' });
    box.append(el('h3', undefined, t('work.help_h')));
    const message = el('textarea', 'work-input', undefined, { 'aria-label': t('work.help_message'), placeholder: t('work.help_message'), 'data-input': 'help-message', rows: '2' }) as HTMLTextAreaElement;
    const topic = el('input', 'work-input', undefined, { 'aria-label': t('work.help_topic'), placeholder: t('work.help_topic'), 'data-input': 'help-topic' }) as HTMLInputElement;
    const urgency = el('select', 'work-input', undefined, { 'aria-label': t('work.urgency'), 'data-input': 'help-urgency' }) as HTMLSelectElement;
    urgency.append(el('option', undefined, t('work.normal'), { value: 'normal' }), el('option', undefined, t('work.urgent'), { value: 'urgent' }));
    const focused = ctx.fields.fieldOf(document.activeElement);
    box.append(message, topic, urgency, button(t('work.ask'), 'ask-help', async () => {
      if (!ctx.room || !message.value.trim()) return toast(t('work.say_what'), 'error');
      const r = await ctx.request<{ request: Help }>('work:help', {
        roomId: ctx.room.roomId, message: message.value, urgency: urgency.value, ...(topic.value.trim() ? { topic: topic.value.trim() } : {}), ...(focused ? { field: focused.name } : {}),
      });
      if (!r.ok) return fail(r);
      helps.set(r.request.id, r.request);
      toast(r.request.status === 'offered' ? t('work.asked', { name: r.request.helper?.name ?? t('work.a_helper') }) : t('work.waiting'));
      render();
    }, 'work-primary'));
    return box;
  }

  function helpCard(h: Help, kind: 'mine' | 'offer' | 'queue' | 'helping', reason?: string): HTMLElement {
    const card = el('article', 'work-card', undefined, { 'data-request-id': h.id, 'data-status': h.status, 'data-kind': kind });
    const page = h.pageTitle || h.pageKey;
    const head = kind === 'mine' ? t('work.you_asked', { message: h.message }) : t('work.asks_on', { name: h.requester.name, page, message: h.message });
    card.append(el('div', 'work-title', head), el('div', 'work-status', `${h.urgency === 'urgent' ? `${t('work.urgent')} · ` : ''}${h.status}`));
    if (reason) card.append(el('div', 'work-hint', reason));
    const actions = el('div', 'work-actions');
    const respond = async (action: string) => {
      const r = await ctx.request<{ request: Help; page: { url: string } | null }>('work:help:act', { id: h.id, action });
      if (!r.ok) return fail(r);
      offers.delete(h.id);
      helps.set(r.request.id, r.request);
      queue = queue.filter((q) => q.id !== h.id);
      if (action === 'accept' && r.page) return go(r.page.url);
      render();
    };
    if (kind === 'offer' || kind === 'queue') actions.append(button(t('work.accept_open'), 'help-accept', () => respond('accept'), 'work-primary'));
    if (kind === 'offer') actions.append(button(t('work.decline'), 'help-decline', () => respond('decline')));
    if ((kind === 'mine' || kind === 'helping') && h.status === 'accepted') actions.append(button(t('work.resolved'), 'help-resolve', () => respond('resolve')));
    if ((kind === 'mine' || kind === 'helping') && h.status === 'accepted' && h.roomId === ctx.room?.roomId) {
      actions.append(button(t('calls.call'), 'help-call', () => ctx.use<CallService>('calls')?.call({ helpRequestId: h.id })));
    }
    if (kind === 'mine' && h.status !== 'accepted') actions.append(button(t('work.cancel'), 'help-cancel', () => respond('cancel')));
    if (kind === 'helping' && h.roomId !== ctx.room?.roomId) actions.append(button(t('work.open_page'), 'open-page', () => go(h.pageUrl)));
    if (actions.childElementCount) card.append(actions);
    return card;
  }

  /** Opens a work item's page (or just redraws when it is this one). */
  function go(url: string) {
    const target = pageLinkTarget(url, location, hostOriginsOf(ctx.room));
    if (target.kind === 'here') render();
    else if (target.kind === 'go') location.assign(target.href);
  }

  function renderBanner() {
    const active = [...helps.values()].filter((h) => h.status === 'accepted' && h.roomId === ctx.room?.roomId);
    const mine = active.find((h) => h.requester.id === me());
    const helping = active.find((h) => h.helper?.id === me());
    const text = mine ? t('work.helping_you', { name: mine.helper?.name ?? t('work.a_helper') }) : helping ? t('work.you_help', { name: helping.requester.name }) : '';
    banner.textContent = text;
    banner.toggleAttribute('hidden', !text);
    if (mine?.helper) banner.dataset.helper = mine.helper.id;
    else delete banner.dataset.helper;
  }

  function render() {
    renderBanner();
    const pendingForMe = [...delegations.values()].filter((d) => (d.assignee.id === me() && d.status === 'pending') || (d.status === 'submitted' && (d.delegator.id === me() || isApprover()))).length;
    toolbar.setBadge(offers.size + pendingForMe || null);
    if (!panel.isOpen) return;
    const body = panel.body;
    body.replaceChildren();
    if (offers.size) {
      const s = el('section', 'work-section', undefined, { 'data-section': 'offers' });
      s.append(el('h3', undefined, t('work.offers_h')));
      for (const o of offers.values()) s.append(helpCard(o.request, 'offer', o.reason));
      body.append(s);
    }
    body.append(delegateForm());
    const here = [...delegations.values()].filter((d) => OPEN.has(d.status) || d.roomId === ctx.room?.roomId);
    if (here.length) {
      const s = el('section', 'work-section', undefined, { 'data-section': 'delegations' });
      s.append(el('h3', undefined, t('work.delegations_h')));
      for (const d of here.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))) s.append(delegationCard(d));
      body.append(s);
    }
    body.append(helpForm());
    const mine = [...helps.values()].filter((h) => h.requester.id === me() && ['open', 'offered', 'queued', 'accepted'].includes(h.status));
    const helping = [...helps.values()].filter((h) => h.helper?.id === me() && h.status === 'accepted');
    if (mine.length || helping.length) {
      const s = el('section', 'work-section', undefined, { 'data-section': 'requests' });
      s.append(el('h3', undefined, t('work.requests_h')));
      for (const h of mine) s.append(helpCard(h, 'mine'));
      for (const h of helping) s.append(helpCard(h, 'helping'));
      body.append(s);
    }
    if (queue.length) {
      const s = el('section', 'work-section', undefined, { 'data-section': 'queue' });
      s.append(el('h3', undefined, t('work.queue_h')));
      for (const h of queue) s.append(helpCard(h, 'queue'));
      body.append(s);
    }
  }

  function upsert(d: Delegation) {
    delegations.set(d.id, d);
    paintFields();
    render();
  }

  ctx.socket.on('work:delegation', (p: { delegation: Delegation }) => {
    const before = delegations.get(p.delegation.id);
    upsert(p.delegation);
    if (!before && p.delegation.assignee.id === me()) toast(t('work.delegated_you', { name: p.delegation.delegator.name }));
  });
  ctx.socket.on('work:offer', (p: { request: Help; reason: string }) => {
    offers.set(p.request.id, p);
    // Calm: an offer is a count on the Work tool and an announcement; the user opens the panel.
    toast(t('work.asks_you', { name: p.request.requester.name }));
    render();
  });
  ctx.socket.on('work:help', (p: { request: Help }) => {
    const h = p.request;
    helps.set(h.id, h);
    if (!(h.status === 'offered' && h.helper?.id === me())) offers.delete(h.id);
    queue = queue.filter((q) => q.id !== h.id);
    if ((h.status === 'queued' || h.status === 'open') && h.requester.id !== me()) queue.push(h);
    if (h.status === 'accepted' && h.requester.id === me()) toast(t('work.helping_you', { name: h.helper?.name ?? t('work.a_helper') }));
    render();
  });

  // Controls the app drew again are not locked yet, whatever the old ones were.
  ctx.events.on('fields', ({ moved, removed }) => {
    for (const f of [...moved.map((m) => m.to), ...removed]) locked.delete(f.name);
    paintFields();
  });

  ctx.events.on('joined', async ({ room }) => {
    const work = room.answer.work as { delegations?: Delegation[]; approverRole?: string } | undefined;
    if (work?.approverRole) approverRole = work.approverRole;
    for (const d of work?.delegations ?? []) delegations.set(d.id, d);
    const [inbox, mineList] = await Promise.all([
      ctx.request<{ offers: Help[]; helping: Help[]; mine: Help[]; queue: Help[] }>('work:inbox', {}),
      ctx.request<{ delegations: Delegation[] }>('work:delegations', { role: 'all', status: ['pending', 'accepted', 'submitted', 'rejected'] }),
    ]);
    if (inbox.ok) {
      for (const h of [...inbox.mine, ...inbox.helping]) helps.set(h.id, h);
      for (const h of inbox.offers) offers.set(h.id, { request: h, reason: '' });
      queue = inbox.queue;
    }
    if (mineList.ok) for (const d of mineList.delegations) delegations.set(d.id, d);
    paintFields();
    render();
  });

  return () => {
    document.removeEventListener('click', onPick, true);
    for (const b of badges.values()) b.remove();
  };
}
