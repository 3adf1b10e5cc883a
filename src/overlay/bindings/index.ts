// What other overlay modules import from the binding layer.
export { sameValue } from '../../features/fields/document.js';
export { bindingOf, registerAdapter } from './registry.js';
export type { AdapterEnv, FieldBinding, JQueryLike, Value, WidgetAdapter } from './types.js';
export { createWatcher, type Watcher } from './watch.js';
export { isOwnEvent } from './framework.js';
