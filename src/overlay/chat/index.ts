// The chat module: room chat (threads, reactions, mentions, typing, unread badge) here; comment
// pins on fields with their threads (comments.ts); the notification inbox (inbox.ts). The one
// status control is presence's.
// Everything a user wrote is rendered with textContent (see view.ts).
import { errorText } from '../core/i18n.js';
import { icon, registerModule, t, type OverlayContext } from '../index.js';
import { type Comment, initComments, type Thread } from './comments.js';
import { makeComposer } from './composer.js';
import { initInbox } from './inbox.js';
import { avatar, CSS, el, renderBody, timeOf, type LinkSpan } from './view.js';

const REACTIONS = ['👍', '❤️', '😄', '🎉', '😮', '😢', '👀', '✅'];

interface Message {
  id: string;
  seq: number;
  author: { type: 'user' | 'app'; id: string; name: string };
  body: string | null;
  deleted: boolean;
  links: LinkSpan[];
  threadRootId: string | null;
  replyCount: number;
  reactions: Array<{ emoji: string; users: string[] }>;
  createdAt: string;
  editedAt: string | null;
}
interface RoomEvent {
  eventId: string;
  seq: number;
  type: string;
  roomId: string;
  data: { message?: Message; comment?: Comment; thread?: { rootId: string; replyCount: number } };
}

let clientSeq = 0;
const clientMsgId = () => `m${Date.now().toString(36)}${(clientSeq++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

function initChat(ctx: OverlayContext) {
  const { socket, ui } = ctx;
  ui.addStyle(CSS);
  const me = () => ctx.user?.id ?? '';
  const roomId = () => ctx.room?.roomId ?? '';
  const canComment = () => ctx.room?.permissions.includes('comment') ?? false;

  // ——— state ———
  const messages = new Map<string, Message>(); // top-level and replies
  let lastSeq = 0;
  let nextBefore: number | null = null;
  let unread = 0;
  let openThread: string | null = null;
  const typing = new Map<string, { name: string; until: number }>();
  const people = new Map<string, string>(); // id → name, for mention autocomplete

  // ——— chat panel ———
  const chatPanel = ui.addPanel({ id: 'chat', title: t('chat.title') });
  // Composer first: opening the chat is for writing; the history is one Tab (or Shift+Tab) away.
  const chatButton = ui.addToolbarButton({ id: 'chat', label: t('chat.title'), text: t('chat.open'), icon: 'chat', onClick: () => (chatPanel.toggle(), chatPanel.isOpen && composer.textarea.focus()) });
  const wrap = el('div', 'tdmc-wrap');
  const more = el('button', 'tdmc-more tdm-btn', { type: 'button' }, t('chat.earlier'));
  const list = el('div', 'tdmc-list', { role: 'log', 'aria-live': 'polite', 'aria-label': t('chat.messages'), tabindex: '0' });
  const threadHead = el('div', 'tdmc-bar');
  const typingLine = el('div', 'tdmc-typing', { 'aria-live': 'polite' });
  const composer = makeComposer(ctx, people, t('chat.message'), async (body) => {
    const r = await ctx.request<{ message: Message }>('chat:send', { roomId: roomId(), body, clientMsgId: clientMsgId(), ...(openThread ? { threadRootId: openThread } : {}) });
    if (!r.ok) return ui.toast(errorText(r.error), { kind: 'error' }), false;
    upsert(r.message);
    return true;
  });
  wrap.append(threadHead, composer.el, typingLine, more, list);
  chatPanel.body.append(wrap);
  more.hidden = true;
  more.addEventListener('click', async () => {
    if (nextBefore === null) return;
    const r = await ctx.request<{ messages: Message[]; nextBefore: number | null }>('chat:history', { roomId: roomId(), before: nextBefore, limit: 50 });
    if (r.ok) {
      r.messages.forEach(upsert);
      nextBefore = r.nextBefore;
      render();
    }
  });

  function upsert(m: Message) {
    messages.set(m.id, m);
    lastSeq = Math.max(lastSeq, m.seq);
    if (m.author.type === 'user') people.set(m.author.id, m.author.name);
  }

  function render() {
    list.replaceChildren();
    threadHead.replaceChildren();
    const shown = [...messages.values()].filter((m) => (openThread ? m.threadRootId === openThread || m.id === openThread : m.threadRootId === null)).sort((a, b) => a.seq - b.seq);
    if (openThread) {
      const back = el('button', 'tdm-btn tdmc-back', { type: 'button' });
      back.append(icon('back', 14), el('span', '', {}, t('chat.back')));
      back.addEventListener('click', () => ((openThread = null), render()));
      threadHead.append(back, el('span', 'tdmc-meta', {}, t('chat.thread')));
    }
    more.hidden = openThread !== null || nextBefore === null;
    for (const m of shown) list.append(renderMessage(m));
    list.scrollTop = list.scrollHeight;
    composer.setPlaceholder(openThread ? t('chat.reply_thread') : t('chat.message'));
    composer.el.hidden = !canComment();
    markRead();
  }

  function renderMessage(m: Message): HTMLElement {
    const row = el('div', `tdmc-msg${m.id === openThread ? ' tdmc-thread' : ''}`, { 'data-message-id': m.id, 'data-seq': String(m.seq) });
    const main = el('div');
    const head = el('div', 'tdmc-head');
    head.append(el('span', 'tdmc-name', {}, m.author.type === 'app' ? t('chat.bot', { name: m.author.name }) : m.author.name), el('time', 'tdmc-time', { datetime: m.createdAt }, timeOf(m.createdAt)));
    if (m.editedAt && !m.deleted) head.append(el('span', 'tdmc-meta', {}, t('chat.edited')));
    const body = el('div', m.deleted ? 'tdmc-body tdmc-deleted' : 'tdmc-body');
    if (m.deleted || m.body === null) body.textContent = t('chat.deleted');
    else body.append(renderBody(m.body, m.links));
    main.append(head, body);
    if (!m.deleted) {
      const actions = el('div', 'tdmc-actions');
      for (const r of m.reactions) {
        const b = el('button', 'tdmc-react', { type: 'button', 'aria-pressed': String(r.users.includes(me())), title: r.users.map((u) => people.get(u) ?? u).join(', ') }, `${r.emoji} ${r.users.length}`);
        b.addEventListener('click', () => react(m.id, r.emoji));
        actions.append(b);
      }
      if (canComment()) {
        const add = el('button', 'tdmc-add-reaction', { type: 'button', 'aria-label': t('chat.add_reaction'), 'aria-expanded': 'false' });
        add.append(icon('smile', 14));
        // One picker at a time: pressing again closes it instead of stacking another row.
        add.addEventListener('click', () => {
          const open = actions.querySelector('.tdmc-picker');
          add.setAttribute('aria-expanded', String(!open));
          if (open) return void open.remove();
          const pick = el('span', 'tdmc-actions tdmc-picker', { role: 'group', 'aria-label': t('chat.add_reaction') });
          for (const e of REACTIONS) {
            const b = el('button', 'tdmc-react', { type: 'button', 'aria-label': t('chat.react_with', { emoji: e }) }, e);
            b.addEventListener('click', () => (pick.remove(), react(m.id, e)));
            pick.append(b);
          }
          actions.append(pick);
          (pick.firstElementChild as HTMLElement).focus();
        });
        actions.append(add);
        if (m.threadRootId === null && openThread === null) {
          const replies = el('button', 'tdmc-reply', { type: 'button' }, m.replyCount ? (m.replyCount === 1 ? t('chat.replies_one') : t('chat.replies', { n: m.replyCount })) : t('chat.reply'));
          replies.addEventListener('click', () => void showThread(m.id));
          actions.append(replies);
        }
        if (m.author.id === me() && m.author.type === 'user') {
          const edit = el('button', '', { type: 'button' }, t('chat.edit'));
          edit.addEventListener('click', async () => {
            const next = prompt(t('chat.edit_prompt'), m.body ?? '');
            if (next === null || next === m.body) return;
            const r = await ctx.request<{ message: Message }>('chat:edit', { roomId: roomId(), messageId: m.id, body: next });
            if (r.ok) (upsert(r.message), render());
            else ui.toast(errorText(r.error), { kind: 'error' });
          });
          const del = el('button', '', { type: 'button' }, t('chat.delete'));
          del.addEventListener('click', async () => {
            const r = await ctx.request<{ message: Message }>('chat:delete', { roomId: roomId(), messageId: m.id });
            if (r.ok) (upsert(r.message), render());
          });
          actions.append(edit, del);
        }
      }
      main.append(actions);
    }
    row.append(avatar(m.author.name, m.author.type), main);
    return row;
  }

  async function react(messageId: string, emoji: string) {
    const r = await ctx.request<{ message: Message }>('chat:react', { roomId: roomId(), messageId, emoji });
    if (r.ok) (upsert(r.message), render());
    else ui.toast(errorText(r.error), { kind: 'error' });
  }

  async function showThread(rootId: string) {
    openThread = rootId;
    const r = await ctx.request<{ messages: Message[] }>('chat:history', { roomId: roomId(), threadRootId: rootId, limit: 200 });
    if (r.ok) r.messages.forEach(upsert);
    render();
  }

  let readSent = 0;
  // Read in another of my tabs: the server tells every tab; this one's badge follows.
  socket.on('chat:read', (e: { roomId: string; lastReadSeq: number; unread: number }) => {
    if (e.roomId !== roomId()) return;
    readSent = Math.max(readSent, e.lastReadSeq);
    setUnread(e.unread);
  });
  function markRead() {
    if (!chatPanel.isOpen || lastSeq <= readSent || !roomId()) return;
    readSent = lastSeq;
    void ctx.request<{ unread: number }>('chat:read', { roomId: roomId(), seq: lastSeq }).then((r) => r.ok && setUnread(r.unread));
  }
  function setUnread(n: number) {
    unread = n;
    chatButton.setBadge(unread > 0 ? unread : null);
  }
  chatButton.el.addEventListener('click', () => setTimeout(markRead, 0));

  // ——— typing ———
  let typingSentAt = 0;
  composer.textarea.addEventListener('input', () => {
    const now = Date.now();
    if (now - typingSentAt > 2000 && roomId()) {
      typingSentAt = now;
      void ctx.request('chat:typing', { roomId: roomId(), typing: true });
    }
  });
  socket.on('chat:typing', (e: { roomId: string; userId: string; name: string; typing: boolean }) => {
    if (e.roomId !== roomId() || e.userId === me()) return;
    if (e.typing) typing.set(e.userId, { name: e.name, until: Date.now() + 4000 });
    else typing.delete(e.userId);
    drawTyping();
  });
  function drawTyping() {
    const now = Date.now();
    for (const [k, v] of typing) if (v.until < now) typing.delete(k);
    const names = [...typing.values()].map((t) => t.name);
    typingLine.textContent = names.length === 0 ? '' : t(names.length === 1 ? 'chat.typing_one' : 'chat.typing_many', { names: names.join(', ') });
  }
  setInterval(drawTyping, 1000);

  // ——— room events (live and replayed) ———
  // The room's log holds every feature's events (a help request's data has a `message` string):
  // only chat.* carry a chat message, only comment.* a comment.
  function apply(e: RoomEvent) {
    if (e.roomId !== roomId()) return;
    const m = e.type.startsWith('chat.') ? e.data.message : undefined;
    if (m) {
      const isNew = e.type === 'chat.message.created' && !messages.has(m.id);
      upsert(m);
      if (e.data.thread) {
        const root = messages.get(e.data.thread.rootId);
        if (root) root.replyCount = e.data.thread.replyCount;
      }
      if (isNew && m.author.id !== me() && !chatPanel.isOpen) setUnread(unread + 1);
      render();
    }
    const c = e.type.startsWith('comment.') ? e.data.comment : undefined;
    if (c) comments.apply(c);
  }
  const onEvent = (e: RoomEvent) => {
    if (e.roomId !== roomId()) return;
    // A gap in the room's log (a missed frame): fetch what is missing, in order.
    if (e.seq > lastSeq + 1 && lastSeq > 0) void catchUp();
    else apply(e);
    if (e.seq) lastSeq = Math.max(lastSeq, e.seq);
  };
  socket.on('room:event', onEvent);
  // A busy room's events arrive several to a frame (server-side coalescing), in order.
  socket.on('room:events', (m: { events: RoomEvent[] }) => m.events.forEach(onEvent));
  // Sent periodically and after a fan-out outage: events we never heard of are fetched.
  socket.on('room:heads', (m: { roomId: string; events: number }) => {
    if (m.roomId === roomId() && m.events > lastSeq) void catchUp();
  });
  let catching = false;
  async function catchUp() {
    if (catching) return;
    catching = true;
    try {
      const r = await ctx.request<{ events: RoomEvent[]; complete: boolean; head: number }>('chat:sync', { roomId: roomId(), afterSeq: lastSeq });
      if (r.ok) {
        r.events.forEach(apply);
        lastSeq = Math.max(lastSeq, r.head);
      }
    } finally {
      catching = false;
    }
  }

  ctx.events.on('joined', async ({ room, rejoin }) => {
    const part = room.answer.chat as { messages: Message[]; nextBefore: number | null; head: number; unread: number } | undefined;
    if (rejoin && lastSeq > 0) {
      // Back after a disconnect: replay every event missed since the last one seen.
      const r = await ctx.request<{ events: RoomEvent[]; complete: boolean; head: number }>('chat:sync', { roomId: room.roomId, afterSeq: lastSeq });
      if (r.ok && r.complete) {
        r.events.forEach(apply);
        lastSeq = Math.max(lastSeq, r.head);
      } else if (part) load(part);
    } else if (part) load(part);
    comments.load((room.answer.comments as { threads: Thread[] } | undefined)?.threads ?? []);
    if (part) setUnread(part.unread);
    void inboxApi.sync();
  });
  function load(part: { messages: Message[]; nextBefore: number | null; head: number }) {
    messages.clear();
    part.messages.forEach(upsert);
    nextBefore = part.nextBefore;
    lastSeq = Math.max(lastSeq, part.head);
    render();
  }

  const comments = initComments(ctx, people);
  const inboxApi = initInbox(ctx, { openComments: comments.open, openChat: () => chatPanel.open() });
}

registerModule({ name: 'chat', init: initChat });
