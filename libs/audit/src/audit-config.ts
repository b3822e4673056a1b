import { configValue } from '@fraiseql/service-kit';

/** The audit keys every recording service reads (spread into its `defineConfig` schema). */
export const auditConfigShape = {
  /** Audit entries held while they wait for JetStream; beyond it new ones are dropped (fraiseql_audit_dropped_total). */
  FRAISEQL_AUDIT_QUEUE_LIMIT: configValue.positiveInt({ max: 1_000_000 }).default(1000),
};
