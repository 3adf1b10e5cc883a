// The message catalogs and what the server sends: every notification title key has an entry; the
// server's refusals reach a German or French page in its language.
import { describe, expect, it } from 'vitest';
import { de } from '../../src/overlay/core/i18n/de.js';
import { en } from '../../src/overlay/core/i18n/en.js';
import { fr } from '../../src/overlay/core/i18n/fr.js';
import { errorStatus } from '../../src/errors.js';
import { NOTIFICATION_TEXTS } from '../../src/features/notifications/messages.js';
import { errorText, setLanguage } from '../../src/overlay/core/i18n.js';

describe('overlay message catalogs', () => {
  // Keys and placeholders per language: overlay-place.test.ts.
  it('every notification title key the server sends has a catalog entry', () => {
    for (const key of NOTIFICATION_TEXTS) expect(Object.keys(en), key).toContain(`notify.${key}`);
  });
});

describe('refusals from the server', () => {
  const refusal = { code: 'forbidden', message: 'Field "total" is delegated to Bob Okafor' };
  it('an English page shows the server message; German and French pages the sentence for its code', () => {
    setLanguage('en');
    expect(errorText(refusal)).toBe(refusal.message);
    setLanguage('de', de);
    expect(errorText(refusal)).toBe('Das dürfen Sie hier nicht.');
    setLanguage('fr', fr);
    expect(errorText({ code: 'timeout', message: 'No answer to chat:send within 10000 ms' })).toBe('Pas de réponse de Tandem ; réessayez.');
    // A code the catalogs do not know: the server's words rather than nothing.
    expect(errorText({ code: 'teapot', message: 'I am a teapot' })).toBe('I am a teapot');
    setLanguage('en');
  });

  it('every server error code has a sentence in the catalogs (or is one only tokens and keys meet)', () => {
    const internalOnly = new Set(['bad_request', 'unauthorized', 'unknown_tenant', 'wrong_tenant', 'origin_not_allowed', 'api_key_invalid', 'api_key_revoked']);
    for (const code of Object.keys(errorStatus)) if (!code.startsWith('token_') && !internalOnly.has(code)) expect(Object.keys(en), code).toContain(`error.${code}`);
  });
});
