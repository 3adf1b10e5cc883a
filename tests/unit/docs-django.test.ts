// The Django section of docs/embedding.md is the code the Django browser tests run (tests/hosts/django):
// an example that drifts from it would no longer be tested.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const doc = readFileSync('docs/embedding.md', 'utf8');
const host = (path: string) => readFileSync(`tests/hosts/django/${path}`, 'utf8');
/** The fenced block that follows `caption` in the docs. */
const block = (caption: string) => {
  const at = doc.indexOf(caption);
  expect(at, caption).toBeGreaterThan(-1);
  return /```\w*\n([\s\S]*?)```/.exec(doc.slice(at))![1]!;
};

describe('docs/embedding.md, Django admin', () => {
  it('shows the token view the tests use', () => {
    const code = host('tandemhost/tandem.py').replace(/^"""[\s\S]*?"""\n/, '').trimStart();
    expect(block('`yourproject/tandem.py`:')).toBe(code);
  });
  it('shows the template override and the URLs the tests use', () => {
    expect(block('`templates/admin/change_form.html`')).toBe(host('templates/manual/admin/change_form.html'));
    const urls = host('tandemhost/urls.py');
    for (const line of block('`urls.py`:').split('\n').filter((l) => l.includes('path('))) expect(urls).toContain(line.trim());
  });
  it('shows the package setup the test host runs (settings, the include, the admin mixin)', () => {
    const lines = (caption: string) => block(caption).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#') && !l.includes('…') && l !== '...');
    const settings = host('tandemhost/settings.py');
    for (const line of lines('`settings.py` (with the package):').filter((l) => l.startsWith('"'))) expect(settings).toContain(line);
    const urls = host('tandemhost/urls.py');
    for (const line of lines('`urls.py` (with the package):').filter((l) => l.includes('tandem'))) expect(urls).toContain(line);
    const admin = host('shop/admin.py');
    expect(admin).toContain(lines('`admin.py` (with the package):').find((l) => l.startsWith('from tandem_integration'))!);
    expect(admin).toMatch(/class OrderAdmin\(TandemModelAdmin, admin\.ModelAdmin\)/);
  });
});
