// What overlay modules import: the module API and small helpers.
export { registerModule } from './core/registry.js';
export type * from './core/types.js';
export { codePointLength, codePointsToUtf16, utf16ToCodePoints } from './core/text.js';
export { language, t, type MessageKey } from './core/i18n.js';
export { icon, type IconName } from './core/icons.js';
