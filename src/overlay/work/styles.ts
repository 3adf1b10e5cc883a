export const workCss = `
.work-section { margin: 0 0 14px; }
.work-section h3 { font-size: 13px; margin: 0 0 6px; }
.work-input { display: block; width: 100%; box-sizing: border-box; margin: 4px 0; font: inherit; }
.work-label { display: block; font-size: 12px; color: #555; margin-top: 6px; }
.work-hint { font-size: 12px; color: #555; }
.work-card { border: 1px solid #ddd; border-radius: 6px; padding: 6px 8px; margin: 6px 0; }
.work-card[data-kind="offer"] { border-color: #d97706; background: #fffbeb; }
.work-title { font-weight: 600; font-size: 13px; overflow-wrap: anywhere; }
.work-status { font-size: 12px; color: #1d4ed8; }
.work-note { font-size: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
.work-actions { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 4px; }
.work-btn.work-primary { font-weight: 600; }
.work-suggestions { list-style: none; padding: 0; margin: 4px 0; }
.work-suggestion { display: flex; gap: 6px; align-items: baseline; font-size: 12px; }
.work-why { color: #555; }
.work-banner { padding: 2px 8px; border-radius: 10px; background: #dcfce7; color: #14532d; font-size: 12px; font-weight: 600; }
.work-banner[hidden] { display: none; }
`;
