// Delegation and assistance in the page: delegate mode, assignee picker with suggestions,
// badges and locks on delegated fields, accept/decline/submit, approve/reject, help requests,
// helper offers and queue. User text is rendered with textContent only.
import { registerModule } from '../core/registry.js';
import { initWork } from './work.js';

registerModule({ name: 'work', init: initWork });
