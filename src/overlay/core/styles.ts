/**
 * The core's CSS, inside the shadow root only. Modules add theirs with ui.addStyle and use the
 * private `--_*` colours, which hosts set through the public `--tandem-*` custom properties
 * (documented in docs/embedding.md); `::part()` names: launcher, menu, panel, toast, toasts, button, tool.
 */
export const coreCss = `
:host { all: initial; }
* { box-sizing: border-box; }
.tdm-root {
  --_font: var(--tandem-font, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
  --_bg: var(--tandem-bg, #ffffff); --_fg: var(--tandem-fg, #1f2328); --_muted: var(--tandem-muted, #57606a);
  --_surface: var(--tandem-surface, #f6f8fa); --_border: var(--tandem-border, #8c959f);
  --_accent: var(--tandem-accent, #0969da); --_accent-fg: var(--tandem-accent-fg, #ffffff);
  --_danger: var(--tandem-danger, #cf222e); --_ok: var(--tandem-ok, #1a7f37); --_warn: var(--tandem-warn, #9a6700);
  --_radius: var(--tandem-radius, 10px); --_shadow: var(--tandem-shadow, 0 4px 18px rgba(0,0,0,.2));
  --_highlight: var(--tandem-highlight, #ddf4ff);
  font: var(--tandem-font-size, 14px)/1.4 var(--_font); color: var(--_fg);
}
.tdm-root[data-theme="dark"] {
  --_bg: var(--tandem-bg, #22272e); --_fg: var(--tandem-fg, #e6edf3); --_muted: var(--tandem-muted, #adbac7);
  --_surface: var(--tandem-surface, #2d333b); --_border: var(--tandem-border, #768390); --_accent: var(--tandem-accent, #539bf5);
  --_accent-fg: var(--tandem-accent-fg, #0d1117); --_danger: var(--tandem-danger, #ff938a); --_ok: var(--tandem-ok, #57ab5a);
  --_warn: var(--tandem-warn, #daaa3f); --_highlight: var(--tandem-highlight, #143d79); --_shadow: var(--tandem-shadow, 0 4px 18px rgba(0,0,0,.6));
}
@media (prefers-color-scheme: dark) {
  .tdm-root[data-theme="auto"] {
    --_bg: var(--tandem-bg, #22272e); --_fg: var(--tandem-fg, #e6edf3); --_muted: var(--tandem-muted, #adbac7);
    --_surface: var(--tandem-surface, #2d333b); --_border: var(--tandem-border, #768390); --_accent: var(--tandem-accent, #539bf5);
    --_accent-fg: var(--tandem-accent-fg, #0d1117); --_danger: var(--tandem-danger, #ff938a); --_ok: var(--tandem-ok, #57ab5a);
    --_warn: var(--tandem-warn, #daaa3f); --_highlight: var(--tandem-highlight, #143d79); --_shadow: var(--tandem-shadow, 0 4px 18px rgba(0,0,0,.6));
  }
}
.tdm-layer, .tdm-badges { position: absolute; top: 0; left: 0; width: 0; height: 0; }
.tdm-layer { pointer-events: none; }
.tdm-badges > * { pointer-events: auto; }
[hidden] { display: none !important; }
.tdm-icon { flex-shrink: 0; display: block; }
.tdm-launcher {
  --tdm-launcher-size: 44px;
  position: fixed; z-index: 2147483000; width: var(--tdm-launcher-size); height: var(--tdm-launcher-size); padding: 0;
  display: flex; align-items: center; justify-content: center; cursor: pointer; touch-action: none;
  border: 1px solid var(--_border); border-radius: 50%; background: var(--_bg); color: var(--_accent); box-shadow: var(--_shadow);
}
.tdm-launcher > .tdm-conn-dot { position: absolute; left: 2px; bottom: 2px; border: 2px solid var(--_bg); width: 11px; height: 11px; }
.tdm-launcher-count { position: absolute; right: -6px; top: -6px; margin: 0; }
.tdm-conn { display: flex; align-items: center; gap: 6px; min-width: 0; font-weight: 600; }
.tdm-conn-dot { width: 9px; height: 9px; border-radius: 50%; background: var(--_muted); flex-shrink: 0; }
[data-state="connected"] > .tdm-conn-dot, [data-state="connected"].tdm-launcher > .tdm-conn-dot { background: var(--_ok); }
[data-state="reconnecting"] > .tdm-conn-dot, [data-state="connecting"] > .tdm-conn-dot { background: var(--_warn); }
[data-state="offline"] > .tdm-conn-dot { background: var(--_danger); }
[data-state="unavailable"] > .tdm-conn-dot { background: var(--_muted); }
.tdm-menu {
  position: fixed; z-index: 2147483001; width: 300px; max-width: calc(100vw - 16px); max-height: calc(100vh - 16px); overflow: auto;
  display: flex; flex-direction: column; gap: 10px; padding: 10px 12px;
  background: var(--_bg); color: var(--_fg); border: 1px solid var(--_border); border-radius: var(--_radius); box-shadow: var(--_shadow);
}
.tdm-menu-head { display: flex; align-items: center; justify-content: space-between; gap: 8px; }
.tdm-why { margin: 0; color: var(--_fg); overflow-wrap: anywhere; }
.tdm-root[data-available="false"] .tdm-sections, .tdm-root[data-available="false"] .tdm-toolbar { display: none; }
.tdm-sections { display: flex; flex-direction: column; gap: 8px; }
.tdm-section { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; min-width: 0; }
.tdm-toolbar { display: flex; flex-direction: column; gap: 4px; }
.tdm-tool { display: flex; align-items: center; gap: 8px; width: 100%; text-align: start; border-radius: 8px; }
.tdm-tool-text { flex: 1; overflow-wrap: anywhere; }
.tdm-menu-foot { display: flex; flex-direction: column; gap: 4px; border-top: 1px solid var(--_border); padding-top: 8px; }
.tdm-move { display: flex; align-items: center; gap: 8px; }
.tdm-hint { margin: 0; font-size: 12px; color: var(--_muted); }
.tdm-btn {
  font: inherit; cursor: pointer; border: 1px solid var(--_border); background: var(--_surface); color: var(--_fg);
  border-radius: 999px; min-height: 32px; min-width: 32px; padding: 4px 10px; position: relative;
}
.tdm-icon-btn { display: inline-flex; align-items: center; justify-content: center; padding: 0; }
.tdm-btn:hover { filter: brightness(.96); }
.tdm-root :focus-visible { outline: 2px solid var(--_accent); outline-offset: 2px; }
.tdm-count { margin-left: 4px; background: var(--_danger); color: #fff; border-radius: 999px; padding: 0 6px; font-size: 12px; font-weight: 700; min-width: 20px; text-align: center; }
.tdm-root[data-theme="dark"] .tdm-count { color: #0d1117; }
.tdm-panel {
  position: fixed; left: 8px; top: 8px; z-index: 2147483002; width: 380px; max-width: calc(100vw - 16px);
  max-height: calc(100vh - 16px); display: flex; flex-direction: column;
  background: var(--_bg); color: var(--_fg); border: 1px solid var(--_border); border-radius: var(--_radius); box-shadow: var(--_shadow);
}
.tdm-panel-head { display: flex; align-items: center; justify-content: space-between; gap: 8px; padding: 8px 10px; border-bottom: 1px solid var(--_border); }
.tdm-panel-title { margin: 0; font-size: 15px; font-weight: 600; overflow-wrap: anywhere; }
.tdm-panel-body { overflow: auto; padding: 8px 10px; flex: 1; min-height: 0; }
.tdm-field-badges { position: absolute; display: flex; gap: 2px; transform: translateY(-60%); }
.tdm-toasts { position: fixed; z-index: 2147483003; display: flex; flex-direction: column; gap: 6px; width: max-content; max-width: min(360px, calc(100vw - 16px)); }
.tdm-toasts[data-placed="false"] { visibility: hidden; }
.tdm-toast { display: flex; gap: 8px; align-items: baseline; background: var(--_fg); color: var(--_bg); padding: 8px 12px; border-radius: 8px; overflow-wrap: anywhere; box-shadow: var(--_shadow); }
.tdm-toast[data-kind="error"] { background: var(--_danger); color: #fff; }
.tdm-root[data-theme="dark"] .tdm-toast[data-kind="error"] { color: #0d1117; }
.tdm-toast-count { font-weight: 700; }
.tdm-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 599px), (pointer: coarse) {
  /* Touch: every control a full 44 px target. */
  .tdm-root button, .tdm-root select, .tdm-root input, .tdm-root textarea, .tdm-root [role="button"] { min-height: 44px; min-width: 44px; }
}
@media (max-width: 599px) {
  .tdm-menu[data-sheet="true"], .tdm-panel[data-sheet="true"] { left: 0 !important; right: 0; top: auto !important; bottom: 0 !important; width: auto; max-width: none; max-height: 85vh !important; border-radius: 12px 12px 0 0; }
}
`;
