/** The core's CSS, inside the shadow root only. Modules add theirs with ui.addStyle. */
export const coreCss = `
:host { all: initial; }
* { box-sizing: border-box; }
.tdm-root { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; }
.tdm-layer, .tdm-badges { position: absolute; top: 0; left: 0; width: 0; height: 0; }
.tdm-layer { pointer-events: none; }
.tdm-badges > * { pointer-events: auto; }
.tdm-bar {
  position: fixed; right: 12px; bottom: 12px; z-index: 2147483000;
  display: flex; align-items: center; gap: 8px; max-width: calc(100vw - 24px);
  padding: 6px 8px; background: #fff; border: 1px solid #d0d7de; border-radius: 999px;
  box-shadow: 0 2px 10px rgba(0,0,0,.15);
}
.tdm-bar[data-collapsed="true"] > :not(.tdm-collapse):not(.tdm-conn) { display: none; }
.tdm-bar[data-collapsed="true"] .tdm-conn-text { display: none; }
.tdm-section { display: flex; align-items: center; gap: 4px; min-width: 0; overflow-x: auto; }
.tdm-toolbar { display: flex; gap: 4px; }
.tdm-conn, .tdm-collapse { flex-shrink: 0; }
.tdm-conn { display: flex; align-items: center; gap: 4px; white-space: nowrap; font-size: 12px; color: #57606a; }
.tdm-conn-dot { width: 8px; height: 8px; border-radius: 50%; background: #bbb; }
.tdm-conn[data-state="connected"] .tdm-conn-dot { background: #1a7f37; }
.tdm-conn[data-state="reconnecting"] .tdm-conn-dot, .tdm-conn[data-state="connecting"] .tdm-conn-dot { background: #bf8700; }
.tdm-conn[data-state="offline"] .tdm-conn-dot { background: #cf222e; }
.tdm-btn {
  font: inherit; cursor: pointer; border: 1px solid #d0d7de; background: #f6f8fa; color: #1f2328;
  border-radius: 999px; min-height: 32px; min-width: 32px; padding: 2px 10px; position: relative;
}
.tdm-btn:hover { background: #eef1f4; }
.tdm-btn:focus-visible, .tdm-root :focus-visible { outline: 2px solid #0969da; outline-offset: 2px; }
.tdm-count { margin-left: 4px; background: #cf222e; color: #fff; border-radius: 999px; padding: 0 6px; font-size: 11px; }
.tdm-panel {
  position: fixed; right: 12px; bottom: 64px; z-index: 2147483001; width: 360px; max-width: calc(100vw - 24px);
  max-height: calc(100vh - 88px); display: flex; flex-direction: column;
  background: #fff; border: 1px solid #d0d7de; border-radius: 10px; box-shadow: 0 4px 18px rgba(0,0,0,.2);
}
.tdm-panel[hidden] { display: none; }
.tdm-panel-head { display: flex; align-items: center; justify-content: space-between; padding: 8px 10px; border-bottom: 1px solid #d0d7de; font-weight: 600; }
.tdm-panel-body { overflow: auto; padding: 8px 10px; flex: 1; }
.tdm-field-badges { position: absolute; display: flex; gap: 2px; transform: translateY(-60%); }
.tdm-toasts { position: fixed; left: 50%; bottom: 70px; transform: translateX(-50%); z-index: 2147483002; display: flex; flex-direction: column; gap: 6px; }
.tdm-toast { background: #1f2328; color: #fff; padding: 6px 12px; border-radius: 6px; max-width: 80vw; }
.tdm-toast[data-kind="error"] { background: #cf222e; }
.tdm-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 600px) {
  .tdm-bar { left: 6px; right: 6px; bottom: 6px; border-radius: 12px; justify-content: space-between; }
  /* Narrow screens: the buttons scroll sideways rather than pushing the collapse button off-screen. */
  .tdm-toolbar { min-width: 0; overflow-x: auto; scrollbar-width: none; }
  .tdm-toolbar > * { flex-shrink: 0; }
  .tdm-panel { left: 0; right: 0; bottom: 0; width: auto; max-width: none; max-height: 70vh; border-radius: 12px 12px 0 0; }
}
`;
