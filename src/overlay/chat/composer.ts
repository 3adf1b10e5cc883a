// The chat and comment composer. Suggestions are rendered with textContent like everything else.
import { t } from '../core/i18n.js';
import type { OverlayContext } from '../index.js';
import { el } from './view.js';

/** A message box with @mention autocomplete (arrow keys, Enter/Tab to pick); Enter sends, Shift+Enter breaks the line. */
export function makeComposer(ctx: OverlayContext, people: Map<string, string>, placeholder: string, send: (body: string) => Promise<boolean | void>) {
  const me = () => ctx.user?.id ?? '';
  const box = el('form', 'tdmc-composer');
  const textarea = el('textarea', '', { 'aria-label': placeholder, placeholder, maxlength: '4000' });
  const suggest = el('ul', 'tdmc-suggest', { role: 'listbox', 'aria-label': placeholder });
  suggest.hidden = true;
  const button = el('button', 'tdmc-send', { type: 'submit' }, t('chat.send'));
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
    const m = token();
    if (!m) return void (suggest.hidden = true);
    const q = m[2]!.toLowerCase();
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
    const m = token();
    const c = choices[i];
    if (!m || !c) return;
    const end = textarea.selectionStart;
    const start = end - m[2]!.length;
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
