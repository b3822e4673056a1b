import { SignJWT } from 'jose';
import { createSigningKey as signingKey, TestIdentityProvider, type SigningKey } from '@fraiseql/testkit';
import { createAuthResolver, type AuthOptions } from '../src';

const ORG_A = '0a000000-0000-4000-8000-00000000000a';
const ORG_B = '0b000000-0000-4000-8000-00000000000b';
const AUDIENCE = 'fraiseql-api';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('JWT authentication against an identity provider (local JWKS and OIDC server)', () => {
  let idp: TestIdentityProvider;
  let rsa: SigningKey;
  let ec: SigningKey;
  let ed: SigningKey;

  beforeAll(async () => {
    idp = await TestIdentityProvider.start();
    [rsa, ec, ed] = await Promise.all([signingKey('rsa-1', 'RS256'), signingKey('ec-1', 'ES256'), signingKey('ed-1', 'EdDSA')]);
    idp.keys = [rsa, ec, ed];
  });
  afterAll(() => idp.stop());
  beforeEach(() => {
    idp.down = false;
    idp.keys = [rsa, ec, ed];
    idp.discoveryIssuer = undefined;
  });

  const resolverFor = (overrides: Partial<NonNullable<AuthOptions['jwks']>> = {}, rest: Partial<AuthOptions> = {}) =>
    createAuthResolver({
      devAuth: false,
      jwks: {
        jwksUrl: `${idp.url}/jwks.json`,
        issuer: idp.url,
        audience: [AUDIENCE],
        algorithms: ['RS256', 'ES256', 'EdDSA'],
        cooldownMs: 0,
        cacheMaxAgeMs: 600_000,
        fetchTimeoutMs: 2000,
        ...overrides,
      },
      ...rest,
    });

  it.each([['RS256'], ['ES256'], ['EdDSA']])('accepts a %s token and takes subject, org, roles and scopes from it', async (alg) => {
    const key = [rsa, ec, ed].find((k) => k.alg === alg)!;
    const token = await idp.token(key, { sub: 'alice', org_id: ORG_A, roles: ['analyst'], scope: 'orders:read exports:write' });
    await expect(resolverFor()(bearer(token))).resolves.toEqual({
      subject: 'alice',
      orgId: ORG_A,
      roles: ['analyst', 'scope:orders:read', 'scope:exports:write'],
    });
  });

  it.each([
    [
      'a forged token (right kid, another private key)',
      async () => idp.token({ ...(await signingKey('rsa-1', 'RS256')) }, { sub: 'mallory', org_id: ORG_A }),
      'not valid',
    ],
    ['an expired token', async () => idp.token(rsa, { sub: 'alice', org_id: ORG_A }, { expiresIn: -60 }), 'expired'],
    [
      'a token of another issuer',
      async () => idp.token(rsa, { sub: 'alice', org_id: ORG_A }, { issuer: 'https://evil.example' }),
      'issuer',
    ],
    ['a token for another audience', async () => idp.token(rsa, { sub: 'alice', org_id: ORG_A }, { audience: 'another-api' }), 'audience'],
    [
      'a token signed by a key the issuer never published (unknown kid)',
      async () => idp.token(await signingKey('rsa-9', 'RS256'), { sub: 'm', org_id: ORG_A }),
      'kid',
    ],
    [
      'a token whose roles claim smuggles a scope',
      async () => idp.token(rsa, { sub: 'm', org_id: ORG_A, roles: ['scope:admin'] }),
      'scope',
    ],
  ])('refuses %s with FRAISEQL_UNAUTHENTICATED', async (_name, make, message) => {
    const token = await make();
    await expect(resolverFor()(bearer(token))).rejects.toMatchObject({
      code: 'FRAISEQL_UNAUTHENTICATED',
      message: expect.stringContaining(message),
    });
  });

  it('refuses an HS256 token signed with the public key when only the JWKS is configured (no algorithm confusion)', async () => {
    const hmacKey = new TextEncoder().encode(JSON.stringify(rsa.jwk));
    const token = await new SignJWT({ sub: 'mallory', org_id: ORG_A })
      .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
      .setIssuer(idp.url)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(hmacKey);
    await expect(resolverFor()(bearer(token))).rejects.toMatchObject({ code: 'FRAISEQL_UNAUTHENTICATED' });
  });

  it('bounds the JWKS fetches unknown kids cause to one per cooldown', async () => {
    const resolve = resolverFor({ cooldownMs: 60_000 });
    await resolve(bearer(await idp.token(rsa, { sub: 'alice', org_id: ORG_A })));
    const before = idp.jwksRequests;
    const stranger = await signingKey('nobody', 'RS256');
    for (let i = 0; i < 20; i++) {
      await expect(resolve(bearer(await idp.token(stranger, { sub: 'm', org_id: ORG_A })))).rejects.toMatchObject({
        code: 'FRAISEQL_UNAUTHENTICATED',
      });
    }
    expect(idp.jwksRequests - before).toBeLessThanOrEqual(1);
  });

  it('rotates keys without a restart: a new kid is fetched, and no valid request fails while old and new keys are both in use', async () => {
    const resolve = resolverFor();
    const next = await signingKey('rsa-2', 'RS256');
    const oldTokens = await Promise.all(Array.from({ length: 50 }, (_, i) => idp.token(rsa, { sub: `old-${i}`, org_id: ORG_A })));
    const newTokens = await Promise.all(Array.from({ length: 50 }, (_, i) => idp.token(next, { sub: `new-${i}`, org_id: ORG_A })));
    // Warm the cache with the old key set, then publish the new key while requests with both keys are in flight.
    await resolve(bearer(oldTokens[0]!));
    idp.keys = [rsa, ec, ed, next];
    const results = await Promise.allSettled([...oldTokens, ...newTokens].map((t) => resolve(bearer(t))));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(results.map((r) => (r as PromiseFulfilledResult<{ subject: string }>).value.subject).sort()).toEqual(
      [...oldTokens.map((_, i) => `old-${i}`), ...newTokens.map((_, i) => `new-${i}`)].sort(),
    );
    // The old key retired: its tokens stop working once the set is refetched, the new key's go on.
    idp.keys = [next];
    const stillNew = await resolve(bearer(await idp.token(next, { sub: 'after', org_id: ORG_A })));
    expect(stillNew.subject).toBe('after');
    const retiredResolver = resolverFor();
    await expect(retiredResolver(bearer(oldTokens[1]!))).rejects.toMatchObject({ code: 'FRAISEQL_UNAUTHENTICATED' });
  });

  it('takes a verified token again without its signature check, never past its exp, and never a tampered copy', async () => {
    const resolve = resolverFor({}, { verifiedTokenCacheTtlMs: 60_000, clockToleranceSec: 0 });
    const token = await idp.token(rsa, { sub: 'alice', org_id: ORG_A }, { expiresIn: 2 });
    await expect(resolve(bearer(token))).resolves.toMatchObject({ subject: 'alice' });
    // The key leaves the set: the cached verification still answers (bounded by the TTL)…
    idp.keys = [ec, ed];
    await expect(resolve(bearer(token))).resolves.toMatchObject({ subject: 'alice' });
    // …a copy with one changed signature byte is verified on its own, and fails.
    const [head, body, sig] = token.split('.');
    const tampered = `${head}.${body}.${sig!.slice(0, -2)}${sig!.endsWith('AA') ? 'BB' : 'AA'}`;
    await expect(resolve(bearer(tampered))).rejects.toMatchObject({ code: 'FRAISEQL_UNAUTHENTICATED' });
    // …and once the token expires the cache no longer answers for it.
    await new Promise((r) => setTimeout(r, 2100));
    await expect(resolve(bearer(token))).rejects.toMatchObject({ code: 'FRAISEQL_UNAUTHENTICATED' });
  });

  it('discovers the JWKS and the issuer from an OIDC issuer URL', async () => {
    const resolve = resolverFor({ jwksUrl: undefined, issuer: undefined, oidcIssuer: idp.url });
    const token = await idp.token(ec, { sub: 'bob', org_id: ORG_B });
    await expect(resolve(bearer(token))).resolves.toMatchObject({ subject: 'bob', orgId: ORG_B });
  });

  it('refuses a discovery document that names another issuer (FRAISEQL_AUTH_UNAVAILABLE, not a silent trust)', async () => {
    idp.discoveryIssuer = 'https://evil.example';
    const resolve = resolverFor({ jwksUrl: undefined, issuer: undefined, oidcIssuer: idp.url });
    await expect(resolve(bearer(await idp.token(ec, { sub: 'bob', org_id: ORG_B })))).rejects.toMatchObject({
      code: 'FRAISEQL_AUTH_UNAVAILABLE',
    });
  });

  it('answers FRAISEQL_AUTH_UNAVAILABLE while the identity provider is down, and recovers when it is back', async () => {
    const resolve = resolverFor();
    idp.down = true;
    const token = await idp.token(rsa, { sub: 'alice', org_id: ORG_A });
    await expect(resolve(bearer(token))).rejects.toMatchObject({ code: 'FRAISEQL_AUTH_UNAVAILABLE' });
    idp.down = false;
    await expect(resolve(bearer(token))).resolves.toMatchObject({ subject: 'alice' });
  });

  it('lets a caller switch to one of its own orgs (orgs claim, x-fraiseql-org) and never to another', async () => {
    const resolve = resolverFor();
    const token = await idp.token(rsa, { sub: 'carol', org_id: ORG_A, orgs: [ORG_A, ORG_B] });
    await expect(resolve({ ...bearer(token), 'x-fraiseql-org': ORG_B })).resolves.toMatchObject({ orgId: ORG_B });
    const single = await idp.token(rsa, { sub: 'dave', org_id: ORG_A });
    await expect(resolve({ ...bearer(single), 'x-fraiseql-org': ORG_B })).rejects.toMatchObject({ code: 'FRAISEQL_FORBIDDEN' });
    await expect(resolve({ ...bearer(single), 'x-fraiseql-org': ORG_A })).resolves.toMatchObject({ orgId: ORG_A });
  });

  it('reads org and roles from the configured (nested) claims', async () => {
    const resolve = resolverFor({}, { claims: { org: 'https://fraiseql.dev/org', roles: 'realm_access.roles', orgs: 'orgs' } });
    const token = await idp.token(rsa, { sub: 'erin', 'https://fraiseql.dev/org': ORG_B, realm_access: { roles: ['support'] } });
    await expect(resolve(bearer(token))).resolves.toEqual({ subject: 'erin', orgId: ORG_B, roles: ['support'] });
  });
});

describe('bad credentials are never anonymous', () => {
  it('refuses a bearer token in development mode when no verifier is configured', async () => {
    const dev = createAuthResolver({ devAuth: true });
    await expect(dev({ authorization: 'Bearer abc.def.ghi' })).rejects.toMatchObject({ code: 'FRAISEQL_UNAUTHENTICATED' });
    await expect(dev({ authorization: 'Bearer not-a-token' })).rejects.toMatchObject({ code: 'FRAISEQL_UNAUTHENTICATED' });
    await expect(dev({ 'x-api-key': 'fqk_0123456789abcdef_' + 'a'.repeat(43) })).rejects.toMatchObject({
      code: 'FRAISEQL_UNAUTHENTICATED',
    });
    await expect(dev({})).resolves.toMatchObject({ subject: null });
  });
});
