-- API keys for machines (docs/security.md, "API keys"; ADR 0131). Created, rotated and revoked through admin GraphQL by the
-- query-executor, which mirrors every row into the NATS KV bucket FRAISEQL_API_KEYS; the gateway and the flight-server
-- authenticate from that bucket. Only the SHA-256 of the secret is stored: the key itself is shown once, at creation.

CREATE TABLE fraiseql.tb_api_key (
  -- The public part of the key (fqk_<id>_<secret>): 16 hex digits.
  id         text        PRIMARY KEY CHECK (id ~ '^[0-9a-f]{16}$'),
  org_id     uuid        NOT NULL,
  name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  roles      text[]      NOT NULL DEFAULT '{}',
  secret_hash text       NOT NULL CHECK (secret_hash ~ '^sha256:[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  created_by text        NOT NULL,
  expires_at timestamptz,
  revoked_at timestamptz,
  revoked_by text,
  -- The key this one replaced (rotateApiKey).
  rotated_from text      REFERENCES fraiseql.tb_api_key (id),
  -- +1 at each change: the KV mirror never lets an older version replace a newer one.
  version    integer     NOT NULL DEFAULT 1 CHECK (version >= 1)
);

CREATE INDEX tb_api_key_org_idx ON fraiseql.tb_api_key (org_id, created_at DESC);

COMMENT ON TABLE fraiseql.tb_api_key IS
  'API keys (hashes only), mirrored into the NATS KV bucket FRAISEQL_API_KEYS that gateway and flight-server authenticate from.';
