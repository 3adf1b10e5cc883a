import type { Participant, PresenceJoinAnswer, PresenceStatus } from '../../features/presence/messages.js';
import { bindingOf } from '../bindings/index.js';
import { t } from '../core/i18n.js';
import { icon } from '../core/icons.js';
import { codePointsToUtf16, utf16ToCodePoints } from '../core/text.js';
import type { FieldInfo, OverlayContext } from '../core/types.js';
import { caretPoint, isTextControl, selectionRects, type TextControl } from './caret-coords.js';
import { applyPresence, emptyRoster, mapCarets, type PresenceMessage, presenceMessage, type RemoteCaret, type Roster, rosterOnJoin } from './roster.js';
import type { PresenceService } from './service.js';
import { presenceCss } from './styles.js';

const statusLabel = (s: PresenceStatus) => t(`status.${s}`);
const ACTIVITY_EVERY_MS = 20_000;
const CARET_MIN_INTERVAL_MS = 50; // ≤ 20/s, like the server's budget
const TYPING_IDLE_MS = 2_000;
/** Presence messages kept while a join is under way (far more than a room sends in that time). */
const MAX_EARLY_MESSAGES = 1_000;

const initials = (name: string) =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => [...w][0]!.toUpperCase())
    .join('') || '?';

/**
 * Presence in the page: avatars in the bar, a ring and name tag on the field each person is
 * in, their carets and selections inside text fields; reports our own focus, caret, typing and
 * activity, and re-announces all of it after every re-join.
 */
export function initPresence(ctx: OverlayContext) {
  const { ui, fields, socket } = ctx;
  ui.addStyle(presenceCss);
  const section = ui.addBarSection({ id: 'presence', label: t('presence.section') });
  const avatars = document.createElement('div');
  avatars.className = 'tdm-avatars';
  const statusSelect = document.createElement('select');
  statusSelect.className = 'tdm-status-select';
  statusSelect.setAttribute('aria-label', t('presence.status'));
  for (const s of ['available', 'busy', 'away', 'dnd'] as const) {
    const o = document.createElement('option');
    o.value = s;
    o.textContent = statusLabel(s);
    statusSelect.append(o);
  }
  const alone = document.createElement('span');
  alone.className = 'tdm-alone';
  alone.textContent = t('presence.alone');
  section.append(statusSelect, avatars, alone);
  const drawing = document.createElement('div');
  drawing.className = 'tdm-presence-layer';
  ui.layer.append(drawing);

  let roster: Roster = emptyRoster();
  /**
   * Room broadcasts that arrived before the join answer (the server adds us to the room first):
   * applied after the answer's snapshot, which ignores whichever is older.
   */
  let early: Array<{ roomId: string; msg: PresenceMessage }> = [];
  const listeners = new Set<() => void>();
  let chosenStatus: PresenceStatus | null = null;
  let myFocus: string | null = null;

  const roomId = () => ctx.room?.roomId;
  const me = () => ctx.user?.id;

  // ---- incoming ---------------------------------------------------------------------------

  const apply = (msg: PresenceMessage) => {
    const before = roster;
    roster = applyPresence(roster, msg);
    if (roster === before) return;
    if (msg.kind === 'caret') scheduleDraw();
    else changed();
  };

  const receive = (event: string) => (payload: { roomId: string }) => {
    const msg = presenceMessage(event, payload);
    if (!msg) return;
    if (!ctx.room) {
      if (early.length < MAX_EARLY_MESSAGES) early.push({ roomId: payload.roomId, msg });
      return;
    }
    if (payload.roomId === ctx.room.roomId) apply(msg);
  };
  for (const event of ['presence:join', 'presence:update', 'presence:leave', 'presence:caret']) socket.on(event, receive(event));

  ctx.events.on('joined', ({ room }) => {
    // A fresh start on every (re-)join: what we knew came over the previous connection.
    const part = room.answer.presence as PresenceJoinAnswer | undefined;
    roster = rosterOnJoin(me(), part, early.filter((e) => e.roomId === room.roomId).map((e) => e.msg));
    early = [];
    changed();
    // Re-announce our state: after a reconnect the server knows only what we tell it again.
    announceFocus(true);
    reportActivity(true);
    if (chosenStatus && chosenStatus !== 'available') void ctx.request('presence:status', { status: chosenStatus });
  });
  ctx.events.on('disconnected', () => {
    early = [];
    changed();
  });
  ctx.events.on('joinFailed', () => void (early = []));
  socket.on('presence:status', (e: { userId: string; status: string }) => {
    if (e.userId === me() && e.status !== 'offline') statusSelect.value = e.status;
  });

  // ---- outgoing ---------------------------------------------------------------------------

  statusSelect.addEventListener('change', () => {
    chosenStatus = statusSelect.value as PresenceStatus;
    void ctx.request('presence:status', { status: chosenStatus });
  });

  const focusedField = (): FieldInfo | undefined => fields.fieldOf(document.activeElement);

  let focusTimer: ReturnType<typeof setTimeout> | undefined;
  function announceFocus(force = false) {
    clearTimeout(focusTimer);
    const rid = roomId();
    if (!rid) return;
    const f = focusedField()?.name ?? null;
    if (f !== myFocus || force) {
      myFocus = f;
      void ctx.request('presence:update', { roomId: rid, focus: f });
    }
    sendCaret(true);
  }
  // Moving from one field to the next blurs then focuses: wait a beat so others see no flicker.
  document.addEventListener('focusin', () => {
    clearTimeout(focusTimer);
    focusTimer = setTimeout(() => announceFocus(), 30);
  });
  document.addEventListener('focusout', () => {
    clearTimeout(focusTimer);
    focusTimer = setTimeout(() => announceFocus(), 120);
  });

  let lastCaretKey = '';
  let lastCaretAt = 0;
  let caretTimer: ReturnType<typeof setTimeout> | undefined;
  function sendCaret(force = false) {
    const rid = roomId();
    const el = document.activeElement;
    const f = fields.fieldOf(el);
    if (!rid || !f || !isTextControl(el) || el.selectionStart === null || el.selectionEnd === null) return;
    const backward = el.selectionDirection === 'backward';
    const startCp = utf16ToCodePoints(el.value, el.selectionStart);
    const endCp = utf16ToCodePoints(el.value, el.selectionEnd);
    const anchor = backward ? endCp : startCp;
    const head = backward ? startCp : endCp;
    const key = `${f.name}|${anchor}|${head}`;
    if (key === lastCaretKey && !force) return;
    const wait = lastCaretAt + CARET_MIN_INTERVAL_MS - Date.now();
    if (wait > 0) {
      // Trailing send: the latest position goes out once the interval has passed.
      if (!caretTimer) caretTimer = setTimeout(() => ((caretTimer = undefined), sendCaret()), wait);
      return;
    }
    lastCaretKey = key;
    lastCaretAt = Date.now();
    socket.emit('presence:caret', { roomId: rid, field: f.name, anchor, head });
  }
  document.addEventListener('selectionchange', () => sendCaret());
  document.addEventListener('keyup', () => sendCaret(), true);
  document.addEventListener('mouseup', () => sendCaret(), true);

  let typing = false;
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  document.addEventListener(
    'input',
    (e) => {
      const rid = roomId();
      if (!rid || !fields.fieldOf(e.target)) return;
      sendCaret();
      clearTimeout(typingTimer);
      if (!typing) {
        typing = true;
        void ctx.request('presence:update', { roomId: rid, typing: true });
      }
      typingTimer = setTimeout(() => {
        typing = false;
        if (roomId()) void ctx.request('presence:update', { roomId: roomId(), typing: false });
      }, TYPING_IDLE_MS);
    },
    true,
  );

  let lastActivity = 0;
  function reportActivity(force = false) {
    if (!ctx.room) return;
    if (!force && Date.now() - lastActivity < ACTIVITY_EVERY_MS) return;
    lastActivity = Date.now();
    void ctx.request('presence:activity', {});
  }
  for (const ev of ['pointerdown', 'keydown', 'wheel', 'touchstart', 'mousemove']) {
    document.addEventListener(ev, () => reportActivity(), { capture: true, passive: true });
  }
  document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && reportActivity(true));

  // ---- drawing ---------------------------------------------------------------------------

  function changed() {
    renderAvatars();
    scheduleDraw();
    for (const fn of [...listeners]) fn();
  }

  function renderAvatars() {
    const list = [...roster.people.values()];
    alone.hidden = list.length > 0;
    avatars.replaceChildren(
      ...list.map((p) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'tdm-avatar';
        b.dataset.userId = p.userId;
        b.dataset.status = p.status;
        b.style.setProperty('--tdm-color', p.color);
        const where = p.focus.map((f) => fields.get(f)?.label || f).join(', ');
        const label = [p.name, statusLabel(p.status), where ? t('presence.in', { fields: where }) : '', p.tabs === 0 ? t('presence.reconnecting') : ''].filter(Boolean).join(', ');
        b.setAttribute('aria-label', label);
        b.title = label;
        if (p.tabs === 0) b.dataset.away = 'true';
        const text = document.createElement('span');
        text.className = 'tdm-initials';
        text.textContent = initials(p.name);
        const dot = document.createElement('span');
        dot.className = 'tdm-status-dot';
        dot.setAttribute('aria-hidden', 'true');
        b.append(text, dot);
        b.addEventListener('click', () => {
          const f = p.focus[0] ? fields.get(p.focus[0]) : undefined;
          (f && bindingOf(f).visible())?.scrollIntoView({ block: 'center', behavior: 'smooth' });
        });
        return b;
      }),
    );
  }

  let drawScheduled = false;
  function scheduleDraw() {
    if (drawScheduled) return;
    drawScheduled = true;
    requestAnimationFrame(() => {
      drawScheduled = false;
      draw();
    });
  }
  ui.onLayout(scheduleDraw);

  /** The element's box in the layer's coordinates (the layer is pinned to the page, wherever the host put it). */
  function fieldBox(el: HTMLElement) {
    const origin = drawing.getBoundingClientRect();
    const r = el.getBoundingClientRect();
    return { left: r.left - origin.left, top: r.top - origin.top, width: r.width, height: r.height, visible: r.width > 0 || r.height > 0 };
  }

  function draw() {
    const out: HTMLElement[] = [];
    // Rings and name tags, stacked when several people share a field.
    const perField = new Map<string, Participant[]>();
    for (const p of roster.people.values()) for (const f of p.focus) perField.set(f, [...(perField.get(f) ?? []), p]);
    for (const [name, ps] of perField) {
      const f = fields.get(name);
      if (!f) continue;
      const box = fieldBox(bindingOf(f).visible());
      if (!box.visible) continue;
      ps.forEach((p, i) => {
        const ring = document.createElement('div');
        ring.className = 'tdm-ring';
        ring.dataset.userId = p.userId;
        ring.dataset.field = name;
        const pad = 2 + i * 3;
        Object.assign(ring.style, {
          left: `${box.left - pad}px`,
          top: `${box.top - pad}px`,
          width: `${box.width + pad * 2}px`,
          height: `${box.height + pad * 2}px`,
          borderColor: p.color,
        });
        const tag = document.createElement('div');
        tag.className = 'tdm-tag';
        tag.dataset.userId = p.userId;
        tag.textContent = p.name;
        if (p.typing) (tag.append(icon('pencil', 11)), tag.setAttribute('aria-label', t('presence.typing', { name: p.name })));
        Object.assign(tag.style, { left: `${box.left - pad + i * 4}px`, top: `${box.top - pad}px`, background: p.color });
        out.push(ring, tag);
      });
    }
    // Carets and selections, clipped to the field's padding box.
    const byField = new Map<string, RemoteCaret[]>();
    for (const c of roster.carets.values()) if (roster.people.has(c.userId)) byField.set(c.field, [...(byField.get(c.field) ?? []), c]);
    for (const [name, cs] of byField) {
      const f = fields.get(name);
      const el = f?.element;
      if (!f || !isTextControl(el ?? null)) continue;
      const control = el as TextControl;
      const box = fieldBox(control);
      if (!box.visible) continue;
      const st = getComputedStyle(control);
      const clip = document.createElement('div');
      clip.className = 'tdm-clip';
      Object.assign(clip.style, {
        left: `${box.left + (parseFloat(st.borderLeftWidth) || 0)}px`,
        top: `${box.top + (parseFloat(st.borderTopWidth) || 0)}px`,
        width: `${control.clientWidth}px`,
        height: `${control.clientHeight}px`,
      });
      for (const c of cs) {
        const color = roster.people.get(c.userId)!.color;
        const text = control.value;
        const anchor = codePointsToUtf16(text, c.anchor);
        const head = codePointsToUtf16(text, c.head);
        for (const r of selectionRects(control, anchor, head)) {
          const sel = document.createElement('div');
          sel.className = 'tdm-selection';
          sel.dataset.userId = c.userId;
          Object.assign(sel.style, { left: `${r.left}px`, top: `${r.top}px`, width: `${r.width}px`, height: `${r.height}px`, background: color });
          clip.append(sel);
        }
        const pt = caretPoint(control, head);
        const caret = document.createElement('div');
        caret.className = 'tdm-caret';
        caret.dataset.userId = c.userId;
        caret.dataset.field = name;
        caret.dataset.position = String(c.head);
        Object.assign(caret.style, { left: `${pt.left}px`, top: `${pt.top}px`, height: `${pt.height}px`, background: color });
        clip.append(caret);
      }
      out.push(clip);
    }
    drawing.replaceChildren(...out);
  }

  const service: PresenceService = {
    participants: () => [...roster.people.values()],
    colorOf: (userId) => roster.people.get(userId)?.color,
    onChange(fn) {
      listeners.add(fn);
      return () => void listeners.delete(fn);
    },
    transformCarets(field, map) {
      roster = mapCarets(roster, field, map);
      scheduleDraw();
    },
  };
  ctx.provide('presence', service);
  renderAvatars();
}
