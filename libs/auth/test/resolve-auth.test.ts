import { SignJWT, UnsecuredJWT } from 'jose';
import { ANONYMOUS_CALLER as ANONYMOUS } from '@fraiseql/identity';
import { createAuthResolver } from '../src';

const SECRET = 'test-secret-of-at-least-thirty-two-characters!';
const ORG = '0a000000-0000-4000-8000-00000000000a';
const key = new TextEncoder().encode(SECRET);

async function token(
  claims: Record<string, unknown>,
  options: { secret?: Uint8Array; expiresAt?: number; notBefore?: number } = {},
): Promise<string> {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (options.expiresAt !== undefined) jwt = jwt.setExpirationTime(options.expiresAt);
  if (options.notBefore !== undefined) jwt = jwt.setNotBefore(options.notBefore);
  return jwt.sign(options.secret ?? key);
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const nowS = () => Math.floor(Date.now() / 1000);

describe('createAuthResolver', () => {
  const withJwt = createAuthResolver({ jwtSecret: SECRET, devAuth: false });

  it('takes subject, org and roles from a valid HS256 token', async () => {
    const t = await token({ sub: 'user-1', org_id: ORG.toUpperCase(), roles: ['reader', 'org:admin'] }, { expiresAt: nowS() + 60 });
    await expect(withJwt(bearer(t))).resolves.toEqual({ subject: 'user-1', orgId: ORG, roles: ['reader', 'org:admin'] });
  });

  it.each([
    ['an expired token', async () => token({ sub: 'u', org_id: ORG }, { expiresAt: nowS() - 10 }), 'expired'],
    ['a token not valid yet', async () => token({ sub: 'u', org_id: ORG }, { notBefore: nowS() + 3600 }), 'not valid'],
    [
      'a token signed with another secret',
      async () => token({ sub: 'u', org_id: ORG }, { secret: new TextEncoder().encode('another-secret-of-at-least-thirty-two-chars') }),
      'not valid',
    ],
    ['an unsigned token (alg none)', async () => new UnsecuredJWT({ sub: 'u', org_id: ORG }).encode(), 'not valid'],
    ['a token whose org is not a UUID', async () => token({ sub: 'u', org_id: "x' OR 1=1" }), 'UUID'],
    ['a token whose roles are not simple names', async () => token({ sub: 'u', org_id: ORG, roles: ['a,b'] }), 'roles'],
    ['a token without a subject', async () => token({ org_id: ORG }), 'subject'],
  ])('refuses %s with FRAISEQL_UNAUTHENTICATED', async (_name, make, message) => {
    const t = await make();
    await expect(withJwt(bearer(t))).rejects.toMatchObject({ code: 'FRAISEQL_UNAUTHENTICATED', message: expect.stringContaining(message) });
  });

  it('refuses an Authorization header that is not a bearer JWT', async () => {
    await expect(withJwt({ authorization: 'Basic dXNlcjpwYXNz' })).rejects.toMatchObject({ code: 'FRAISEQL_UNAUTHENTICATED' });
  });

  it('treats a request without credentials as anonymous', async () => {
    await expect(withJwt({})).resolves.toEqual(ANONYMOUS);
  });

  it('ignores the development headers unless FRAISEQL_DEV_AUTH is on', async () => {
    const headers = { 'x-fraiseql-dev-subject': 'dev', 'x-fraiseql-dev-org': ORG, 'x-fraiseql-dev-roles': 'admin' };
    await expect(withJwt(headers)).resolves.toEqual(ANONYMOUS);
    const dev = createAuthResolver({ devAuth: true });
    await expect(dev(headers)).resolves.toEqual({ subject: 'dev', orgId: ORG, roles: ['admin'] });
    await expect(dev({ ...headers, 'x-fraiseql-dev-org': 'not-a-uuid' })).rejects.toMatchObject({ code: 'FRAISEQL_UNAUTHENTICATED' });
  });
});
