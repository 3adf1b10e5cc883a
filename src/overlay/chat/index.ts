// The chat module: room chat (threads, reactions, mentions, typing, unread badge), comment pins on
// fields with their threads, the notification bell with the inbox, and a status menu.
// Everything a user wrote is rendered with textContent (see view.ts).
import { pageLinkTarget } from '../core/navigate.js';
import { registerModule, type OverlayContext } from '../index.js';
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
interface Comment {
  id: string;
  field: string;
  parentId: string | null;
  author: { type: 'user' | 'app'; id: string; name: string };
  body: string | null;
  deleted: boolean;
  resolved: boolean;
  createdAt: string;
}
interface Thread extends Comment {
  replies: Comment[];
}
interface Notification {
  id: string;
  seq: number;
  type: string;
  urgent: boolean;
  title: string;
  body: string;
  read: boolean;
  held: boolean;
  createdAt: string;
  link: { roomId?: string; field?: string; url?: string };
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
  const threads = new Map<string, Thread>(); // comment threads by root id
  const people = new Map<string, string>(); // id → name, for mention autocomplete

  // ——— chat panel ———
  const chatPanel = ui.addPanel({ id: 'chat', title: 'Chat' });
  const chatButton = ui.addToolbarButton({ id: 'chat', label: 'Open chat', text: 'Chat', onClick: () => chatPanel.toggle() });
  const wrap = el('div', 'tdmc-wrap');
  const more = el('button', 'tdmc-more', { type: 'button' }, 'Earlier messages');
  const list = el('div', 'tdmc-list', { role: 'log', 'aria-live': 'polite', 'aria-label': 'Messages' });
  const threadHead = el('div', 'tdmc-bar');
  const typingLine = el('div', 'tdmc-typing', { 'aria-live': 'polite' });
  const composer = makeComposer('Message', async (body) => {
    const r = await ctx.request<{ message: Message }>('chat:send', { roomId: roomId(), body, clientMsgId: clientMsgId(), ...(openThread ? { threadRootId: openThread } : {}) });
    if (!r.ok) return ui.toast(r.error.message, { kind: 'error' }), false;
    upsert(r.message);
    return true;
  });
  wrap.append(more, threadHead, list, typingLine, composer.el);
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
      const back = el('button', '', { type: 'button' }, '← Back to chat');
      back.addEventListener('click', () => ((openThread = null), render()));
      threadHead.append(back, el('span', 'tdmc-meta', {}, 'Thread'));
    }
    more.hidden = openThread !== null || nextBefore === null;
    for (const m of shown) list.append(renderMessage(m));
    list.scrollTop = list.scrollHeight;
    composer.setPlaceholder(openThread ? 'Reply in thread' : 'Message');
    composer.el.hidden = !canComment();
    markRead();
  }

  function renderMessage(m: Message): HTMLElement {
    const row = el('div', `tdmc-msg${m.id === openThread ? ' tdmc-thread' : ''}`, { 'data-message-id': m.id, 'data-seq': String(m.seq) });
    const main = el('div');
    const head = el('div', 'tdmc-head');
    head.append(el('span', 'tdmc-name', {}, m.author.type === 'app' ? `${m.author.name} (bot)` : m.author.name), el('time', 'tdmc-time', { datetime: m.createdAt }, timeOf(m.createdAt)));
    if (m.editedAt && !m.deleted) head.append(el('span', 'tdmc-meta', {}, '(edited)'));
    const body = el('div', m.deleted ? 'tdmc-body tdmc-deleted' : 'tdmc-body');
    if (m.deleted || m.body === null) body.textContent = 'Message deleted';
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
        const add = el('button', '', { type: 'button', 'aria-label': 'Add reaction' }, '☺+');
        add.addEventListener('click', () => {
          const pick = el('span', 'tdmc-actions');
          for (const e of REACTIONS) {
            const b = el('button', 'tdmc-react', { type: 'button' }, e);
            b.addEventListener('click', () => (pick.remove(), react(m.id, e)));
            pick.append(b);
          }
          actions.append(pick);
        });
        actions.append(add);
        if (m.threadRootId === null && openThread === null) {
          const t = el('button', 'tdmc-reply', { type: 'button' }, m.replyCount ? `${m.replyCount} ${m.replyCount === 1 ? 'reply' : 'replies'}` : 'Reply');
          t.addEventListener('click', () => void showThread(m.id));
          actions.append(t);
        }
        if (m.author.id === me() && m.author.type === 'user') {
          const edit = el('button', '', { type: 'button' }, 'Edit');
          edit.addEventListener('click', async () => {
            const next = prompt('Edit message', m.body ?? '');
            if (next === null || next === m.body) return;
            const r = await ctx.request<{ message: Message }>('chat:edit', { roomId: roomId(), messageId: m.id, body: next });
            if (r.ok) (upsert(r.message), render());
            else ui.toast(r.error.message, { kind: 'error' });
          });
          const del = el('button', '', { type: 'button' }, 'Delete');
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
    else ui.toast(r.error.message, { kind: 'error' });
  }

  async function showThread(rootId: string) {
    openThread = rootId;
    const r = await ctx.request<{ messages: Message[] }>('chat:history', { roomId: roomId(), threadRootId: rootId, limit: 200 });
    if (r.ok) r.messages.forEach(upsert);
    render();
  }

  let readSent = 0;
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
    typingLine.textContent = names.length === 0 ? '' : `${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} typing…`;
  }
  setInterval(drawTyping, 1000);

  // ——— room events (live and replayed) ———
  function apply(e: RoomEvent) {
    if (e.roomId !== roomId()) return;
    const m = e.data.message;
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
    const c = e.data.comment;
    if (c) applyComment(c);
  }
  socket.on('room:event', (e: RoomEvent) => {
    if (e.roomId !== roomId()) return;
    // A gap in the room's log (a missed frame): fetch what is missing, in order.
    if (e.seq > lastSeq + 1 && lastSeq > 0) void catchUp();
    else apply(e);
    if (e.seq) lastSeq = Math.max(lastSeq, e.seq);
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
    const cs = room.answer.comments as { threads: Thread[] } | undefined;
    threads.clear();
    for (const t of cs?.threads ?? []) threads.set(t.id, t);
    drawPins();
    if (part) setUnread(part.unread);
    void syncNotifications();
  });
  function load(part: { messages: Message[]; nextBefore: number | null; head: number }) {
    messages.clear();
    part.messages.forEach(upsert);
    nextBefore = part.nextBefore;
    lastSeq = Math.max(lastSeq, part.head);
    render();
  }

  // ——— mention autocomplete ———
  function makeComposer(placeholder: string, send: (body: string) => Promise<boolean | void>) {
    const box = el('form', 'tdmc-composer');
    const textarea = el('textarea', '', { 'aria-label': placeholder, placeholder, maxlength: '4000' });
    const suggest = el('ul', 'tdmc-suggest', { role: 'listbox' });
    suggest.hidden = true;
    const button = el('button', '', { type: 'submit' }, 'Send');
    box.append(suggest, textarea, button);
    let choices: Array<[string, string]> = [];
    let active = 0;
    const token = () => /(^|\s)@([\p{L}\p{N}._-]*)$/u.exec(textarea.value.slice(0, textarea.selectionStart));
    const candidates = () => {
      const all = new Map(people);
      const presence = ctx.use<{ participants(): Array<{ userId: string; name: string }> }>('presence');
      for (const p of presence?.participants() ?? []) all.set(p.userId, p.name);
      all.delete(me());
      return [...all];
    };
    const show = () => {
      const t = token();
      if (!t) return void (suggest.hidden = true);
      const q = t[2]!.toLowerCase();
      choices = candidates().filter(([id, name]) => id.toLowerCase().startsWith(q) || name.toLowerCase().split(/\s+/).some((w) => w.startsWith(q))).slice(0, 8);
      suggest.replaceChildren(
        ...choices.map(([id, name], i) => {
          const li = el('li', '', { role: 'option', 'aria-selected': String(i === active), 'data-user-id': id }, `${name} (@${id})`);
          li.addEventListener('mousedown', (ev) => (ev.preventDefault(), pick(i)));
          return li;
        }),
      );
      suggest.hidden = choices.length === 0;
    };
    const pick = (i: number) => {
      const t = token();
      const c = choices[i];
      if (!t || !c) return;
      const end = textarea.selectionStart;
      const start = end - t[2]!.length;
      textarea.value = `${textarea.value.slice(0, start)}${c[0]} ${textarea.value.slice(end)}`;
      textarea.selectionStart = textarea.selectionEnd = start + c[0].length + 1;
      suggest.hidden = true;
    };
    textarea.addEventListener('input', () => ((active = 0), show()));
    textarea.addEventListener('keydown', (e) => {
      if (!suggest.hidden && choices.length) {
        if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
          e.preventDefault();
          active = (active + (e.key === 'ArrowDown' ? 1 : choices.length - 1)) % choices.length;
          return show();
        }
        if (e.key === 'Enter' || e.key === 'Tab') {
          e.preventDefault();
          return pick(active);
        }
        if (e.key === 'Escape') return void (suggest.hidden = true);
      }
      if (e.key === 'Enter' && !e.shiftKey) {
        e.preventDefault();
        box.requestSubmit();
      }
    });
    box.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = textarea.value;
      if (!body.trim()) return;
      button.disabled = true;
      try {
        if ((await send(body)) !== false) textarea.value = '';
      } finally {
        button.disabled = false;
      }
    });
    return { el: box, textarea, setPlaceholder: (p: string) => ((textarea.placeholder = p), textarea.setAttribute('aria-label', p)) };
  }

  // ——— field comments ———
  const commentPanel = ui.addPanel({ id: 'comments', title: 'Comments' });
  ui.addToolbarButton({ id: 'comments', label: 'Open comments', text: 'Comments', onClick: () => (commentPanel.isOpen ? commentPanel.close() : openComments(null)) });
  const fieldSelect = el('select', 'tdmc-field-select', { 'aria-label': 'Field' });
  const commentList = el('div', 'tdmc-list', { 'aria-label': 'Comment threads' });
  let replyTo: string | null = null;
  const commentComposer = makeComposer('Comment on this field', async (body) => {
    const r = await ctx.request<{ comment: Comment }>('comment:create', { roomId: roomId(), field: fieldSelect.value, body, ...(replyTo ? { parentId: replyTo } : {}) });
    if (!r.ok) return ui.toast(r.error.message, { kind: 'error' }), false;
    applyComment(r.comment);
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

  function openComments(field: string | null) {
    fieldSelect.replaceChildren(...ctx.fields.all().map((f) => el('option', '', { value: f.name }, f.label || f.name)));
    const focused = ctx.fields.fieldOf(document.activeElement)?.name ?? lastField;
    const chosen = field ?? focused ?? ctx.fields.all()[0]?.name;
    if (chosen) fieldSelect.value = chosen;
    commentPanel.open();
    drawComments();
  }

  function applyComment(c: Comment) {
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
    for (const t of threads.values()) {
      if (t.field !== field) continue;
      const box = el('div', `tdmc-thread${t.resolved ? ' tdmc-resolved' : ''}`, { 'data-comment-id': t.id });
      for (const c of [t, ...t.replies]) box.append(renderComment(c));
      const actions = el('div', 'tdmc-actions');
      if (canComment()) {
        const reply = el('button', '', { type: 'button' }, 'Reply');
        reply.addEventListener('click', () => ((replyTo = t.id), commentComposer.setPlaceholder('Reply to this thread'), commentComposer.textarea.focus()));
        const toggle = el('button', '', { type: 'button' }, t.resolved ? 'Reopen' : 'Resolve');
        toggle.addEventListener('click', async () => {
          const r = await ctx.request<{ comment: Comment }>(t.resolved ? 'comment:reopen' : 'comment:resolve', { roomId: roomId(), commentId: t.id });
          if (r.ok) applyComment(r.comment);
        });
        actions.append(reply, toggle);
      }
      box.append(actions);
      commentList.append(box);
    }
    if (!commentList.childElementCount) commentList.append(el('p', 'tdmc-meta', {}, 'No comments on this field yet.'));
    commentComposer.el.hidden = !canComment();
    if (!replyTo) commentComposer.setPlaceholder('Comment on this field');
  }

  function renderComment(c: Comment) {
    const row = el('div', 'tdmc-msg', { 'data-comment-id': c.id });
    const main = el('div');
    const head = el('div', 'tdmc-head');
    head.append(el('span', 'tdmc-name', {}, c.author.name), el('time', 'tdmc-time', { datetime: c.createdAt }, timeOf(c.createdAt)));
    main.append(head, el('div', c.deleted ? 'tdmc-body tdmc-deleted' : 'tdmc-body', {}, c.deleted || c.body === null ? 'Comment deleted' : c.body));
    row.append(avatar(c.author.name, c.author.type), main);
    return row;
  }

  const pins = new Map<string, { el: HTMLElement; remove(): void }>();
  function drawPins() {
    const counts = new Map<string, number>();
    for (const t of threads.values()) if (!t.resolved) counts.set(t.field, (counts.get(t.field) ?? 0) + 1);
    for (const [field, pin] of pins) if (!counts.has(field)) (pin.remove(), pins.delete(field));
    for (const [field, n] of counts) {
      if (!ctx.fields.get(field)) continue;
      let pin = pins.get(field);
      if (!pin) {
        pin = ui.fieldBadge(field, { id: 'comments', label: `Comments on ${field}` });
        pin.el.setAttribute('role', 'button');
        pin.el.setAttribute('tabindex', '0');
        pin.el.dataset.field = field;
        pin.el.addEventListener('click', () => openComments(field));
        pins.set(field, pin);
      }
      pin.el.textContent = `💬 ${n}`;
      pin.el.setAttribute('aria-label', `${n} open comment thread${n === 1 ? '' : 's'} on ${field}`);
    }
  }

  // ——— notifications ———
  const bellPanel = ui.addPanel({ id: 'notifications', title: 'Notifications' });
  const bell = ui.addToolbarButton({ id: 'notifications', label: 'Notifications', text: 'Inbox', onClick: () => (bellPanel.toggle(), bellPanel.isOpen && void loadInbox()) });
  const inbox = el('div', 'tdmc-list', { 'aria-label': 'Inbox' });
  const bar = el('div', 'tdmc-bar');
  const status = el('select', 'tdmc-status', { 'aria-label': 'My status' });
  for (const [v, t] of [['available', 'Available'], ['busy', 'Busy'], ['away', 'Away'], ['dnd', 'Do not disturb']]) status.append(el('option', '', { value: v! }, t));
  status.addEventListener('change', () => void ctx.request('presence:status', { status: status.value }));
  socket.on('presence:status', (e: { userId: string; status: string }) => e.userId === me() && e.status !== 'offline' && (status.value = e.status));
  const allRead = el('button', '', { type: 'button' }, 'Mark all read');
  allRead.addEventListener('click', async () => {
    const r = await ctx.request<{ unread: number }>('notifications:read-all', {});
    if (r.ok) (notes.forEach((n) => (n.read = true)), setBell(r.unread), drawInbox());
  });
  bar.append(status, allRead);
  bellPanel.body.append(el('div', 'tdmc-wrap'));
  bellPanel.body.firstElementChild!.append(bar, inbox);
  const notes = new Map<string, Notification>();
  let noteSeq = 0;
  const setBell = (n: number) => bell.setBadge(n > 0 ? n : null);
  async function loadInbox() {
    const r = await ctx.request<{ items: Notification[]; unread: number }>('notifications:list', { limit: 50 });
    if (!r.ok) return;
    for (const n of r.items) addNote(n);
    setBell(r.unread);
    drawInbox();
  }
  async function syncNotifications() {
    const r = noteSeq === 0 ? await ctx.request<{ items: Notification[]; unread: number }>('notifications:list', { limit: 50 }) : await ctx.request<{ items: Notification[]; unread: number }>('notifications:sync', { afterSeq: noteSeq });
    if (!r.ok) return;
    for (const n of r.items) addNote(n);
    setBell(r.unread);
    drawInbox();
  }
  const addNote = (n: Notification) => (notes.set(n.id, n), (noteSeq = Math.max(noteSeq, n.seq)));
  socket.on('notification', (n: Notification) => {
    const fresh = !notes.has(n.id) || notes.get(n.id)!.held;
    addNote(n);
    if (fresh && !n.read) {
      setBell([...notes.values()].filter((x) => !x.read).length);
      ui.toast(n.title, { kind: n.urgent ? 'error' : 'info' });
    }
    drawInbox();
  });
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
      const row = el('div', 'tdmc-notif', { 'data-read': String(n.read), 'data-urgent': String(n.urgent), 'data-notification-id': n.id, role: 'button', tabindex: '0' });
      const head = el('div', 'tdmc-head');
      head.append(el('span', 'tdmc-name', {}, n.title), el('time', 'tdmc-time', { datetime: n.createdAt }, timeOf(n.createdAt)));
      row.append(head, el('div', 'tdmc-body', {}, n.body));
      row.addEventListener('click', async () => {
        if (!n.read) {
          const r = await ctx.request<{ unread: number }>('notifications:read', { ids: [n.id] });
          if (r.ok) ((n.read = true), setBell(r.unread), drawInbox());
        }
        const here = n.link.roomId === roomId();
        if (here && n.link.field) openComments(n.link.field);
        else if (here) chatPanel.open();
        else if (n.link.url) {
          // Another page (a delegation handed to me, a request): go there; its room badges the fields.
          const target = pageLinkTarget(n.link.url, location);
          if (target.kind === 'go') location.assign(target.href);
        }
      });
      inbox.append(row);
    }
    if (!inbox.childElementCount) inbox.append(el('p', 'tdmc-meta', {}, 'Nothing yet.'));
  }
}

registerModule({ name: 'chat', init: initChat });
