import { FraiseqlError } from '@fraiseql/errors';
import { API_KEY_SURFACE } from '@fraiseql/schema';
import type { NativeFieldResolvers } from '../native-fields';
import type { ApiKeyStore } from './api-key-store';

/**
 * The resolvers of the API key fields (`admin: { apiKeys: true }`, docs/security.md): the planner has checked the org and
 * the role (admin or apikeys:admin), graphql-js the argument types; the values are checked by the store. Another org's key
 * is "not found", exactly like a missing one.
 */
export function apiKeyResolvers(store: ApiKeyStore | undefined): NativeFieldResolvers {
  const { resolvers } = API_KEY_SURFACE;
  const keys = (): ApiKeyStore => {
    if (!store) throw new FraiseqlError('FRAISEQL_OPERATION_NOT_SUPPORTED', 'API keys are off: apply migrations/postgres 0007');
    return store;
  };
  return {
    [resolvers.list]: ({ args, orgId }) => keys().list(orgId, args.includeInactive === true),
    [resolvers.create]: ({ args, orgId, caller }) => {
      const input = args.input as { name: string; roles: string[]; expiresAt?: unknown };
      return keys().create(caller, orgId, { name: input.name, roles: input.roles, expiresAt: readTime(input.expiresAt) });
    },
    [resolvers.rotate]: ({ args, orgId, caller }) =>
      keys().rotate(caller, orgId, String(args.id), (args.graceSeconds as number | null) ?? 0),
    [resolvers.revoke]: ({ args, orgId, caller }) => keys().revoke(caller, orgId, String(args.id)),
  };
}

function readTime(value: unknown): Date | null {
  if (value === undefined || value === null) return null;
  const date = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(date.getTime())) throw new FraiseqlError('FRAISEQL_BAD_REQUEST', 'input.expiresAt: not a date-time');
  return date;
}
