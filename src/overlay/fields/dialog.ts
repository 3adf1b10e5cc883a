// A small modal choice inside the overlay's shadow root (user text through textContent only),
// in the overlay's theme: it lives in the themed surface and uses its --_* colours.
import type { OverlayContext } from '../index.js';

let dialogs = 0;

export interface DialogAction {
  id: string;
  text: string;
  primary?: boolean;
  run: () => void;
}

export function openDialog(ctx: OverlayContext, title: string, lines: string[], actions: DialogAction[]): HTMLElement {
  const wrap = document.createElement('div');
  wrap.className = 'fields-dialog';
  wrap.setAttribute('role', 'dialog');
  wrap.setAttribute('aria-modal', 'true');
  const box = document.createElement('div');
  const h = document.createElement('h2');
  h.textContent = title;
  h.id = `fields-dialog-${++dialogs}`;
  wrap.setAttribute('aria-labelledby', h.id);
  box.append(h);
  for (const line of lines) {
    const p = document.createElement('p');
    p.textContent = line;
    box.append(p);
  }
  const row = document.createElement('div');
  row.className = 'fields-actions';
  for (const a of actions) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = a.text;
    b.dataset.action = a.id;
    if (a.primary) b.className = 'fields-primary';
    b.addEventListener('click', () => {
      wrap.remove();
      a.run();
    });
    row.append(b);
  }
  box.append(row);
  wrap.append(box);
  ctx.ui.surface.append(wrap);
  (row.querySelector('button.fields-primary') as HTMLButtonElement | null)?.focus();
  return wrap;
}
