import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, hasPg } from '../helpers/services.js';
import { type DjangoStack, hasDjango, openAdminAs, startDjangoStack } from './helpers/django.js';

describe.skipIf(!hasChromium || !hasPg || !hasDjango)('a real Django admin (python3-django) with Tandem', () => {
  let stack: DjangoStack;
  beforeAll(async () => {
    stack = await startDjangoStack();
  });
  afterAll(() => stack?.close());

  it('the token view answers 401 JSON to anonymous and non-staff users, a token with model perms to staff', async () => {
    const anon = await fetch(`${stack.django.url}/tandem-token`);
    expect(anon.status).toBe(401);
    expect(await anon.json()).toEqual({ error: 'not logged in as staff' });
    const carol = await fetch(`${stack.django.url}/tandem-token`, { headers: { cookie: `sessionid=${await stack.django.login('carol').catch(() => 'none')}` } });
    expect(carol.status).toBe(401);
    const alice = await fetch(`${stack.django.url}/tandem-token`, { headers: { cookie: `sessionid=${await stack.django.login('alice')}` } });
    expect(alice.status).toBe(200);
    const { token } = (await alice.json()) as { token: string };
    const me = await fetch(`${stack.tandem.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(await me.json()).toMatchObject({ kind: 'user', tenantId: 'shop', name: 'Alice Martin' });
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { perms: Record<string, string[]> };
    expect(claims.perms['shop.order:*']).toEqual(['read', 'write', 'comment']);
    expect(claims.perms['shop.customer:*']).toEqual(['read']);
  });

  it('the change form, served from another origin, joins the room the overlay derives', async () => {
    const alice = await openAdminAs(stack, 'alice', '/admin/shop/order/1/change/');
    const room = await alice.page.evaluate(() => window.tandem!.ctx.room!);
    expect(room.pageKey).toBe('shop.order:1');
    expect(room.permissions).toEqual(expect.arrayContaining(['read', 'write', 'comment']));
    await alice.context.close();
  });
});
