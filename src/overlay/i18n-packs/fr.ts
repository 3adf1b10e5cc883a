// A separately built language pack (public/tandem-i18n/fr.js): loaded only by pages in this language.
import { fr } from '../core/i18n/fr.js';
import { registerCatalog } from '../core/i18n-register.js';

registerCatalog('fr', fr);
