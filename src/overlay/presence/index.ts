import { registerModule } from '../core/registry.js';
import { initPresence } from './presence.js';

registerModule({ name: 'presence', init: initPresence });
