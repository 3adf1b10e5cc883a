export const workCss = `
.work-section { margin: 0 0 14px; }
.work-section h3 { font-size: 13px; margin: 0 0 6px; }
.work-input { display: block; width: 100%; box-sizing: border-box; margin: 4px 0; font: inherit; }
.work-label { display: block; font-size: 12px; color: var(--_muted); margin-top: 6px; }
.work-hint { font-size: 12px; color: var(--_muted); }
.work-fields { border: 1px solid var(--_border); border-radius: 6px; margin: 6px 0; padding: 4px 8px; display: flex; flex-direction: column; }
.work-field { display: flex; gap: 8px; align-items: center; min-height: 32px; }
.work-input { background: var(--_bg); color: var(--_fg); border: 1px solid var(--_border); border-radius: 6px; padding: 4px 6px; min-height: 32px; }
.work-card { border: 1px solid var(--_border); border-radius: 6px; padding: 6px 8px; margin: 6px 0; }
.work-card[data-kind="offer"] { border-color: var(--_warn); border-width: 2px; }
.work-title { font-weight: 600; font-size: 13px; overflow-wrap: anywhere; }
.work-status { font-size: 12px; color: var(--_accent); }
.work-note { font-size: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
.work-actions { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 4px; }
.work-btn.work-primary { font-weight: 600; }
.work-suggestions { list-style: none; padding: 0; margin: 4px 0; }
.work-suggestion { display: flex; gap: 6px; align-items: baseline; font-size: 12px; }
.work-why { color: var(--_muted); }
.work-banner { padding: 4px 8px; border-radius: 8px; background: #dcfce7; color: #14532d; font-size: 12px; font-weight: 600; }
.work-banner[hidden] { display: none; }
.tdm-field-badges [data-work-field] { display: inline-flex; align-items: center; gap: 3px; background: var(--_bg); color: var(--_fg); border: 1px solid var(--_border); border-radius: 8px; padding: 0 6px; font-size: 12px; }
`;
