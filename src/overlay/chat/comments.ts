// Comments anchored to host fields: a pin with the open-thread count on each field, and the
// comments panel (threads of one field, replies, resolve/reopen). User text via textContent only.
import { errorText } from '../core/i18n.js';
import { icon, t, type OverlayContext } from '../index.js';
import { makeComposer } from './composer.js';
import { avatar, el, timeOf } from './view.js';

export interface Comment {
  id: string;
  field: string;
  parentId: string | null;
  author: { type: 'user' | 'app'; id: string; name: string };
  body: string | null;
  deleted: boolean;
  resolved: boolean;
  createdAt: string;
}
export interface Thread extends Comment {
  replies: Comment[];
}

export function initComments(ctx: OverlayContext, people: Map<string, string>) {
  const { ui } = ctx;
  const roomId = () => ctx.room?.roomId ?? '';
  const canComment = () => ctx.room?.permissions.includes('comment') ?? false;
  const threads = new Map<string, Thread>(); // comment threads by root id

  const commentPanel = ui.addPanel({ id: 'comments', title: t('comments.title') });
  ui.addToolbarButton({ id: 'comments', label: t('comments.title'), text: t('comments.open'), icon: 'comment', onClick: () => (commentPanel.isOpen ? commentPanel.close() : open(null)) });
  const fieldSelect = el('select', 'tdmc-field-select', { 'aria-label': t('comments.field') });
  const commentList = el('div', 'tdmc-list', { 'aria-label': t('comments.threads') });
  let replyTo: string | null = null;
  const commentComposer = makeComposer(ctx, people, t('comments.compose'), async (body) => {
    const r = await ctx.request<{ comment: Comment }>('comment:create', { roomId: roomId(), field: fieldSelect.value, body, ...(replyTo ? { parentId: replyTo } : {}) });
    if (!r.ok) return ui.toast(errorText(r.error), { kind: 'error' }), false;
    apply(r.comment);
    replyTo = null;
    return true;
  });
  commentPanel.body.append(el('div', 'tdmc-wrap'));
  commentPanel.body.firstElementChild!.append(fieldSelect, commentList, commentComposer.el);
  fieldSelect.addEventListener('change', () => ((replyTo = null), drawComments()));

  // The field last focused on the page: clicking a toolbar button moves focus into the overlay.
  let lastField: string | undefined;
  document.addEventListener('focusin', (e) => {
    const f = ctx.fields.fieldOf(e.target);
    if (f) lastField = f.name;
  });

  function open(field: string | null) {
    fieldSelect.replaceChildren(...ctx.fields.all().map((f) => el('option', '', { value: f.name }, f.label || f.name)));
    const focused = ctx.fields.fieldOf(document.activeElement)?.name ?? lastField;
    const chosen = field ?? focused ?? ctx.fields.all()[0]?.name;
    if (chosen) fieldSelect.value = chosen;
    commentPanel.open();
    drawComments();
  }

  function apply(c: Comment) {
    if (c.parentId === null) {
      const prev = threads.get(c.id);
      threads.set(c.id, { ...c, replies: prev?.replies ?? [] });
    } else {
      const t = threads.get(c.parentId);
      if (t) {
        const i = t.replies.findIndex((r) => r.id === c.id);
        if (i >= 0) t.replies[i] = c;
        else t.replies.push(c);
      }
    }
    drawPins();
    if (commentPanel.isOpen) drawComments();
  }

  function drawComments() {
    const field = fieldSelect.value;
    commentList.replaceChildren();
    for (const th of threads.values()) {
      if (th.field !== field) continue;
      const box = el('div', `tdmc-thread${th.resolved ? ' tdmc-resolved' : ''}`, { 'data-comment-id': th.id });
      for (const c of [th, ...th.replies]) box.append(renderComment(c));
      const actions = el('div', 'tdmc-actions');
      if (canComment()) {
        const reply = el('button', '', { type: 'button' }, t('chat.reply'));
        reply.addEventListener('click', () => ((replyTo = th.id), commentComposer.setPlaceholder(t('comments.reply_compose')), commentComposer.textarea.focus()));
        const toggle = el('button', '', { type: 'button' }, th.resolved ? t('comments.reopen') : t('comments.resolve'));
        toggle.addEventListener('click', async () => {
          const r = await ctx.request<{ comment: Comment }>(th.resolved ? 'comment:reopen' : 'comment:resolve', { roomId: roomId(), commentId: th.id });
          if (r.ok) apply(r.comment);
        });
        actions.append(reply, toggle);
      }
      box.append(actions);
      commentList.append(box);
    }
    if (!commentList.childElementCount) commentList.append(el('p', 'tdmc-meta', {}, t('comments.none')));
    commentComposer.el.hidden = !canComment();
    if (!replyTo) commentComposer.setPlaceholder(t('comments.compose'));
  }

  function renderComment(c: Comment) {
    const row = el('div', 'tdmc-msg', { 'data-comment-id': c.id });
    const main = el('div');
    const head = el('div', 'tdmc-head');
    head.append(el('span', 'tdmc-name', {}, c.author.name), el('time', 'tdmc-time', { datetime: c.createdAt }, timeOf(c.createdAt)));
    main.append(head, el('div', c.deleted ? 'tdmc-body tdmc-deleted' : 'tdmc-body', {}, c.deleted || c.body === null ? t('comments.deleted') : c.body));
    row.append(avatar(c.author.name, c.author.type), main);
    return row;
  }

  const pins = new Map<string, { el: HTMLElement; remove(): void }>();
  function drawPins() {
    const counts = new Map<string, number>();
    for (const th of threads.values()) if (!th.resolved) counts.set(th.field, (counts.get(th.field) ?? 0) + 1);
    for (const [field, pin] of pins) if (!counts.has(field)) (pin.remove(), pins.delete(field));
    for (const [field, n] of counts) {
      if (!ctx.fields.get(field)) continue;
      let pin = pins.get(field);
      if (!pin) {
        pin = ui.fieldBadge(field, { id: 'comments', label: t('comments.pin', { n: 0, field }) });
        pin.el.setAttribute('role', 'button');
        pin.el.setAttribute('tabindex', '0');
        pin.el.dataset.field = field;
        pin.el.addEventListener('click', () => open(field));
        pins.set(field, pin);
      }
      pin.el.replaceChildren(icon('comment', 12), document.createTextNode(String(n)));
      const label = ctx.fields.get(field)?.label || field;
      pin.el.setAttribute('aria-label', n === 1 ? t('comments.pin_one', { field: label }) : t('comments.pin', { n, field: label }));
    }
  }

  return {
    open,
    apply,
    /** The threads a join answer carries (replaces what was there). */
    load(list: Thread[]) {
      threads.clear();
      for (const th of list) threads.set(th.id, th);
      drawPins();
    },
  };
}
