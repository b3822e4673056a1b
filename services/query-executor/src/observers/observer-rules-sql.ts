// The statements the observer rules mirror runs (migrations/postgres/0005): static text, values as $n.

/** The channel fraiseql.tb_observer's trigger notifies with `<org_id>.<name>` after each change. */
export const OBSERVERS_CHANNEL = 'fraiseql_observers';

/** Every rule, or one (`$1` org, `$2` name), as the KV entry needs it. */
export const READ_OBSERVER_RULES = `SELECT id::text, org_id::text, name, version, enabled, rule, updated_at FROM fraiseql.observer_rules($1::uuid, $2::text)`;
