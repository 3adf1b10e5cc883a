// The call panel and the ring prompt. Names and text go in with textContent only; every control
// is a button with a visible name (and aria-pressed for the toggles), reachable by keyboard.
import type { OverlayContext } from '../core/types.js';
import type { T } from './strings.js';

export const callCss = `
.tdmcall-tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 6px; margin: 6px 0; }
.tdmcall-tile { position: relative; margin: 0; border: 2px solid var(--_border); border-radius: 8px; overflow: hidden; background: #000; aspect-ratio: 4 / 3; }
.tdmcall-tile[data-speaking="true"] { border-color: var(--_ok); }
.tdmcall-tile video { width: 100%; height: 100%; object-fit: cover; display: block; }
.tdmcall-tile figcaption { position: absolute; left: 4px; bottom: 4px; padding: 0 6px; border-radius: 6px; background: var(--_bg); color: var(--_fg); font-size: 12px; max-width: calc(100% - 8px); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.tdmcall-status { margin: 0 0 4px; font-weight: 600; overflow-wrap: anywhere; }
.tdmcall-speaking { margin: 0 0 6px; font-size: 12px; color: var(--_muted); overflow-wrap: anywhere; }
.tdmcall-controls { display: flex; flex-wrap: wrap; gap: 6px; }
.tdmcall-controls [aria-pressed="true"] { background: var(--_highlight); }
.tdm-btn.tdmcall-hangup, .tdm-btn.tdmcall-decline { background: var(--_danger); color: #fff; border-color: var(--_danger); }
.tdm-btn.tdmcall-accept { background: var(--_ok); color: #fff; border-color: var(--_ok); }
.tdmcall-ring { position: fixed; z-index: 2147483003; top: 8px; left: 50%; transform: translateX(-50%); max-width: calc(100vw - 16px); display: flex; flex-wrap: wrap; align-items: center; gap: 8px; padding: 8px 12px; background: var(--_bg); color: var(--_fg); border: 2px solid var(--_accent); border-radius: var(--_radius); box-shadow: var(--_shadow); }
.tdmcall-ring p { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
`;

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text?: string, attrs: Record<string, string> = {}) => {
  const e = document.createElement(tag);
  e.className = cls;
  if (text !== undefined) e.textContent = text;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
};
const button = (cls: string, action: string, onClick: () => void) => {
  const b = el('button', `tdm-btn ${cls}`, undefined, { type: 'button', 'data-action': action, part: 'button' });
  b.addEventListener('click', onClick);
  return b;
};

export interface CallControls {
  mute(): void;
  camera(): void;
  share(): void;
  hangUp(): void;
  accept(): void;
  decline(): void;
}
export interface PanelState {
  status: string;
  inCall: boolean;
  muted: boolean;
  cameraOff: boolean;
  sharing: boolean;
  canShare: boolean;
}

export function createCallUi(ctx: OverlayContext, t: T, on: CallControls) {
  ctx.ui.addStyle(callCss);
  const panel = ctx.ui.addPanel({ id: 'call', title: t('title') });
  const status = el('p', 'tdmcall-status', '', { role: 'status' });
  const tiles = el('div', 'tdmcall-tiles');
  const speaking = el('p', 'tdmcall-speaking', t('nobody_speaking'));
  const controls = el('div', 'tdmcall-controls', undefined, { role: 'toolbar', 'aria-label': t('controls') });
  const mute = button('tdmcall-mute', 'call-mute', on.mute);
  const camera = button('tdmcall-camera', 'call-camera', on.camera);
  const share = button('tdmcall-share', 'call-share', on.share);
  const hangUp = button('tdmcall-hangup', 'call-hangup', on.hangUp);
  hangUp.textContent = t('hang_up');
  controls.append(mute, camera, share, hangUp);
  panel.body.append(status, tiles, speaking, controls);
  const names = new Map<string, string>();
  let ringBox: HTMLElement | null = null;

  function tile(id: string, name: string, stream: MediaStream, self = false) {
    let fig = tiles.querySelector<HTMLElement>(`[data-conn="${CSS.escape(id)}"]`);
    if (!fig) {
      fig = el('figure', 'tdmcall-tile', undefined, { 'data-conn': id, 'data-speaking': 'false', ...(self ? { 'data-self': 'true' } : {}) });
      const video = el('video', '', undefined, { autoplay: '', playsinline: '', 'aria-label': name });
      video.muted = self; // our own sound would echo
      fig.append(video, el('figcaption', '', name));
      tiles.append(fig);
    }
    names.set(id, name);
    const video = fig.querySelector('video')!;
    if (video.srcObject !== stream) video.srcObject = stream;
    void video.play().catch(() => undefined);
  }

  return {
    panel,
    tile,
    /** Only these tiles stay (legs that left lose theirs). */
    keepTiles(ids: readonly string[]) {
      for (const fig of [...tiles.querySelectorAll<HTMLElement>('[data-conn]')]) if (!ids.includes(fig.dataset.conn!)) fig.remove();
    },
    setSpeaking(ids: ReadonlySet<string>) {
      for (const fig of tiles.querySelectorAll<HTMLElement>('[data-conn]')) fig.dataset.speaking = String(ids.has(fig.dataset.conn!));
      const who = [...ids].map((id) => names.get(id)).filter((n): n is string => Boolean(n));
      speaking.textContent = who.length ? t('speaking', { names: who.join(', ') }) : t('nobody_speaking');
    },
    render(s: PanelState) {
      status.textContent = s.status;
      const toggle = (b: HTMLButtonElement, pressed: boolean, text: string) => {
        b.textContent = text;
        b.setAttribute('aria-pressed', String(pressed));
        b.disabled = !s.inCall;
      };
      toggle(mute, s.muted, s.muted ? t('unmute') : t('mute'));
      toggle(camera, s.cameraOff, s.cameraOff ? t('camera_on') : t('camera_off'));
      toggle(share, s.sharing, s.sharing ? t('stop_share') : t('share'));
      share.hidden = !s.canShare;
      hangUp.disabled = !s.inCall;
    },
    /** The ring prompt (null removes it). It takes no focus: the Call tool's count and an announcement point to it. */
    ring(text: string | null) {
      ringBox?.remove();
      ringBox = null;
      if (text === null) return;
      ringBox = el('div', 'tdmcall-ring', undefined, { role: 'group', 'aria-label': t('ring_label') });
      const accept = button('tdmcall-accept', 'call-accept', on.accept);
      accept.textContent = t('accept');
      const decline = button('tdmcall-decline', 'call-decline', on.decline);
      decline.textContent = t('decline');
      ringBox.append(el('p', '', text), accept, decline);
      ctx.ui.surface.append(ringBox);
      ctx.ui.announce(text);
    },
    remove() {
      ringBox?.remove();
      panel.remove();
    },
  };
}
export type CallUi = ReturnType<typeof createCallUi>;
