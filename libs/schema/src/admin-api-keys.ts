import type { CompiledNativeField } from './compiled-schema';
import { field } from './field';
import type { InputTypeDefinition, ObjectTypeDefinition } from './schema-definition';
import { inputType, objectType } from './type-builders';

/**
 * API keys for machines as GraphQL (issue 12, docs/security.md "API keys"): what `defineSchema({ admin: { apiKeys: true } })`
 * adds. Keys are created, listed, rotated and revoked by the query-executor, which stores them in PostgreSQL
 * (fraiseql.tb_api_key, hashes only) and mirrors them to the KV bucket the gateway and flight-server authenticate from.
 */
export const API_KEY_SURFACE = {
  roles: ['admin', 'apikeys:admin'],
  resolvers: { list: 'apiKeys.list', create: 'apiKeys.create', rotate: 'apiKeys.rotate', revoke: 'apiKeys.revoke' },
} as const;

const native = (type: ObjectTypeDefinition): ObjectTypeDefinition => Object.freeze({ ...type, native: true as const });

const ApiKey = native(
  objectType(
    'ApiKey',
    {
      id: field.id({ description: 'The public key id (the part after fqk_); safe to log.' }),
      name: field.string(),
      roles: field.list(field.string(), { description: 'The roles the key acts with (at most those of its creator).' }),
      createdAt: field.dateTime(),
      createdBy: field.string({ description: 'The subject that created (or rotated) it.' }),
      expiresAt: field.dateTime({ nullable: true }),
      revokedAt: field.dateTime({ nullable: true }),
      active: field.boolean({ description: 'Neither revoked nor expired.' }),
    },
    { description: "An API key of the caller's organization (the secret is never shown again after creation)." },
  ),
);

const IssuedApiKey = native(
  objectType(
    'IssuedApiKey',
    {
      apiKey: field.object(ApiKey),
      key: field.string({
        description:
          'The key itself (fqk_<id>_<secret>): shown this once, store it now. Send it as "Authorization: Bearer <key>" or "X-API-Key".',
      }),
    },
    { description: 'A new key, with its secret.' },
  ),
);

const CreateApiKeyInput: InputTypeDefinition = inputType(
  'CreateApiKeyInput',
  {
    name: field.string({ description: 'What it is for (1–200 characters).' }),
    roles: field.list(field.string(), { description: 'Roles it acts with; each must be one the creator holds.' }),
    expiresAt: field.dateTime({ nullable: true, description: 'When it stops working; absent: never.' }),
  },
  { description: 'A new API key.' },
);

/** The surface's definitions, appended after the schema's own. */
export function apiKeyAdminDefinitions(): {
  types: Array<ObjectTypeDefinition | InputTypeDefinition>;
  nativeFields: CompiledNativeField[];
} {
  const roles = [...API_KEY_SURFACE.roles];
  const note = `Roles ${roles.join(' or ')}.`;
  const { resolvers } = API_KEY_SURFACE;
  return {
    types: [ApiKey, IssuedApiKey, CreateApiKeyInput],
    nativeFields: [
      {
        name: 'apiKeys',
        operation: 'query',
        resolver: resolvers.list,
        arguments: [{ name: 'includeInactive', type: 'Boolean', description: 'Also revoked and expired keys (default false).' }],
        type: '[ApiKey!]!',
        roles,
        description: `The API keys of the caller's organization, newest first. ${note}`,
      },
      {
        name: 'createApiKey',
        operation: 'mutation',
        resolver: resolvers.create,
        arguments: [{ name: 'input', type: 'CreateApiKeyInput!' }],
        type: 'IssuedApiKey!',
        roles,
        description: `Creates an API key of the caller's organization; its secret is in the answer and nowhere else. ${note}`,
      },
      {
        name: 'rotateApiKey',
        operation: 'mutation',
        resolver: resolvers.rotate,
        arguments: [
          { name: 'id', type: 'ID!' },
          {
            name: 'graceSeconds',
            type: 'Int',
            description: 'How long the old key keeps working (0–604800, default 0: it stops at once).',
          },
        ],
        type: 'IssuedApiKey!',
        roles,
        description: `A new key with the same name, roles and expiry; the old one expires after the grace period. ${note}`,
      },
      {
        name: 'revokeApiKey',
        operation: 'mutation',
        resolver: resolvers.revoke,
        arguments: [{ name: 'id', type: 'ID!' }],
        type: 'ApiKey!',
        roles,
        description: `Revokes a key at once, on every replica. ${note}`,
      },
    ],
  };
}
