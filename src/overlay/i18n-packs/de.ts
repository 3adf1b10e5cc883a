// A separately built language pack (public/tandem-i18n/de.js): loaded only by pages in this language.
import { de } from '../core/i18n/de.js';
import { registerCatalog } from '../core/i18n-register.js';

registerCatalog('de', de);
