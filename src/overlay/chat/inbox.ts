// The notification inbox: its menu tool with the unread count (held do-not-disturb items
// included: they are unread in the inbox too), the list, read state shared by all of a user's tabs.
import { hostOriginsOf, pageLinkTarget } from '../core/navigate.js';
import { hasMessage, t } from '../core/i18n.js';
import { icon } from '../core/icons.js';
import type { OverlayContext } from '../index.js';
import { el, timeOf } from './view.js';

interface Notification {
  id: string;
  seq: number;
  type: string;
  urgent: boolean;
  title: string;
  /** The title as data (key + params), rendered in the page's language; null: show `title` as given. */
  text: { key: string; params: Record<string, string | number> } | null;
  body: string;
  read: boolean;
  held: boolean;
  createdAt: string;
  link: { roomId?: string; field?: string; url?: string };
}
type List = { items: Notification[]; unread: number };

/** A notification's title in the page's language when the server sent it as data and this overlay knows the key. */
function titleOf(ctx: OverlayContext, n: Notification): string {
  const key = n.text && `notify.${n.text.key}`;
  if (!key || !hasMessage(key)) return n.title;
  const p = { ...n.text!.params };
  if (typeof p.n === 'number') p.fields = p.n === 1 ? t('notify.fields_one') : t('notify.fields', { n: p.n });
  // A field on this page is named as its form labels it.
  if (typeof p.field === 'string') p.field = ctx.fields.get(p.field)?.label || p.field;
  return t(key, p);
}

export function initInbox(ctx: OverlayContext, links: { openComments(field: string): void; openChat(): void }) {
  const { socket, ui } = ctx;
  const roomId = () => ctx.room?.roomId ?? '';
  const bellPanel = ui.addPanel({ id: 'notifications', title: t('inbox.title') });
  const bell = ui.addToolbarButton({ id: 'notifications', label: t('inbox.list'), text: t('inbox.open'), icon: 'inbox', onClick: () => (bellPanel.toggle(), bellPanel.isOpen && void loadInbox()) });
  const inbox = el('div', 'tdmc-list', { role: 'list', 'aria-label': t('inbox.list') });
  const bar = el('div', 'tdmc-bar');
  const allRead = el('button', 'tdm-btn', { type: 'button' }, t('inbox.all_read'));
  allRead.addEventListener('click', async () => {
    const r = await ctx.request<{ unread: number }>('notifications:read-all', {});
    if (r.ok) (notes.forEach((n) => (n.read = true)), setBell(r.unread), drawInbox());
  });
  bar.append(allRead);
  bellPanel.body.append(el('div', 'tdmc-wrap'));
  bellPanel.body.firstElementChild!.append(bar, inbox);
  const notes = new Map<string, Notification>();
  let noteSeq = 0;
  /** The server's unread count (it counts held items). */
  const setBell = (n: number) => bell.setBadge(n > 0 ? n : null);
  const take = (r: List) => {
    for (const n of r.items) addNote(n);
    setBell(r.unread);
    drawInbox();
  };
  async function loadInbox() {
    const r = await ctx.request<List>('notifications:list', { limit: 50 });
    if (r.ok) take(r);
  }
  async function sync() {
    const r = noteSeq === 0 ? await ctx.request<List>('notifications:list', { limit: 50 }) : await ctx.request<List>('notifications:sync', { afterSeq: noteSeq });
    if (r.ok) take(r);
  }
  const addNote = (n: Notification) => (notes.set(n.id, n), (noteSeq = Math.max(noteSeq, n.seq)));
  socket.on('notification', (n: Notification) => {
    const known = notes.get(n.id);
    addNote(n);
    // The count comes from the server (notifications:unread, below); a released held item is surfaced here.
    if ((!known || known.held) && !n.read && !n.held) ui.toast(titleOf(ctx, n), { kind: n.urgent ? 'error' : 'info' });
    drawInbox();
  });
  // Sent to every tab after each delivery, held do-not-disturb items included: a tab never guesses.
  socket.on('notifications:unread', (e: { unread: number }) => setBell(e.unread));
  socket.on('notifications:read', (e: { ids: string[]; unread: number }) => {
    for (const id of e.ids) {
      const n = notes.get(id);
      if (n) n.read = true;
    }
    setBell(e.unread);
    drawInbox();
  });
  function drawInbox() {
    if (!bellPanel.isOpen) return;
    inbox.replaceChildren();
    for (const n of [...notes.values()].sort((a, b) => b.seq - a.seq)) {
      const item = el('div', 'tdmc-notif-item', { role: 'listitem' });
      const row = el('button', 'tdmc-notif', { type: 'button', 'data-read': String(n.read), 'data-urgent': String(n.urgent), 'data-notification-id': n.id });
      const head = el('span', 'tdmc-head');
      if (n.urgent) head.append(icon('warning', 14), el('span', 'tdm-sr', {}, t('inbox.urgent')));
      head.append(el('span', 'tdmc-name', {}, titleOf(ctx, n)), el('time', 'tdmc-time', { datetime: n.createdAt }, timeOf(n.createdAt)));
      row.append(head, el('span', 'tdmc-body', {}, n.body));
      if (n.held) row.append(el('span', 'tdmc-meta', {}, t('inbox.held')));
      row.addEventListener('click', async () => {
        if (!n.read) {
          const r = await ctx.request<{ unread: number }>('notifications:read', { ids: [n.id] });
          if (r.ok) ((n.read = true), setBell(r.unread), drawInbox());
        }
        const here = n.link.roomId === roomId();
        if (here && n.link.field) links.openComments(n.link.field);
        else if (here) links.openChat();
        else if (n.link.url) {
          // Another page (a delegation handed to me, a request): go there; its room badges the fields.
          const target = pageLinkTarget(n.link.url, location, hostOriginsOf(ctx.room));
          if (target.kind === 'go') location.assign(target.href);
        }
      });
      item.append(row);
      inbox.append(item);
    }
    if (!inbox.childElementCount) inbox.append(el('p', 'tdmc-meta', { role: 'listitem' }, t('inbox.empty')));
  }
  return { sync };
}
