export const presenceCss = `
.tdm-avatars { display: flex; gap: 4px; }
.tdm-alone { font-size: 12px; color: #57606a; white-space: nowrap; }
.tdm-alone[hidden] { display: none; }
.tdm-avatar {
  position: relative; width: 32px; height: 32px; min-width: 32px; border-radius: 50%; cursor: pointer; padding: 0;
  border: 2px solid var(--tdm-color); background: #fff; color: var(--tdm-color); font: 600 12px/1 system-ui, sans-serif;
}
.tdm-avatar[data-away="true"] { opacity: .5; }
.tdm-status-dot { position: absolute; right: -2px; bottom: -2px; width: 10px; height: 10px; border-radius: 50%; border: 2px solid #fff; background: #1a7f37; }
.tdm-avatar[data-status="busy"] .tdm-status-dot { background: #bf8700; }
.tdm-avatar[data-status="away"] .tdm-status-dot { background: #8c959f; }
.tdm-avatar[data-status="dnd"] .tdm-status-dot { background: #cf222e; }
.tdm-status-select { font: inherit; font-size: 12px; min-height: 32px; border: 1px solid #d0d7de; border-radius: 999px; padding: 0 6px; background: #f6f8fa; color: #1f2328; }
.tdm-ring { position: absolute; border: 2px solid; border-radius: 4px; pointer-events: none; }
.tdm-tag {
  position: absolute; transform: translateY(-100%); color: #fff; font: 600 11px/1.6 system-ui, sans-serif;
  padding: 0 6px; border-radius: 4px 4px 4px 0; white-space: nowrap; pointer-events: none; max-width: 200px; overflow: hidden; text-overflow: ellipsis;
}
.tdm-clip { position: absolute; overflow: hidden; pointer-events: none; }
.tdm-caret { position: absolute; width: 2px; }
.tdm-selection { position: absolute; opacity: .25; }
@media (max-width: 600px) { .tdm-status-select { max-width: 90px; } }
`;
