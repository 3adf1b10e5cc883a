export const presenceCss = `
.tdm-avatars { display: flex; gap: 4px; }
.tdm-alone { font-size: 13px; color: var(--_muted); white-space: nowrap; }
.tdm-alone[hidden] { display: none; }
.tdm-avatar {
  position: relative; width: 32px; height: 32px; min-width: 32px; border-radius: 50%; cursor: pointer; padding: 0;
  border: 3px solid var(--tdm-color); background: var(--_bg); color: var(--_fg); font: 700 12px/1 var(--_font);
}
.tdm-avatar[data-away="true"] { opacity: .5; }
.tdm-status-dot { position: absolute; right: -2px; bottom: -2px; width: 10px; height: 10px; border-radius: 50%; border: 2px solid var(--_bg); background: var(--_ok); }
.tdm-avatar[data-status="busy"] .tdm-status-dot { background: var(--_warn); }
.tdm-avatar[data-status="away"] .tdm-status-dot { background: #8c959f; }
.tdm-avatar[data-status="dnd"] .tdm-status-dot { background: var(--_danger); width: 14px; height: 14px; }
/* Do-not-disturb reads as a "no entry" sign, not only as a colour. */
.tdm-avatar[data-status="dnd"] .tdm-status-dot::after { content: ""; position: absolute; left: 1px; right: 1px; top: 4px; height: 2px; background: #fff; }
.tdm-status-select { font: inherit; min-height: 36px; border: 1px solid var(--_border); border-radius: 8px; padding: 0 6px; background: var(--_surface); color: var(--_fg); width: 100%; }
.tdm-avatars { flex-wrap: wrap; }
.tdm-tag .tdm-icon { display: inline-block; margin-left: 4px; vertical-align: -1px; }
.tdm-ring { position: absolute; border: 2px solid; border-radius: 4px; pointer-events: none; }
.tdm-tag {
  position: absolute; transform: translateY(-100%); color: #fff; font: 600 11px/1.6 system-ui, sans-serif;
  padding: 0 6px; border-radius: 4px 4px 4px 0; white-space: nowrap; pointer-events: none; max-width: 200px; overflow: hidden; text-overflow: ellipsis;
}
.tdm-clip { position: absolute; overflow: hidden; pointer-events: none; }
.tdm-caret { position: absolute; width: 2px; }
.tdm-selection { position: absolute; opacity: .25; }
`;
