import { Registry } from 'prom-client';
import { STREAMS } from '@fraiseql/nats-contract';
import { createLogger, loadConfig } from '@fraiseql/service-kit';
import { captureLines, waitFor } from '@fraiseql/testkit';
import { createQueryExecutor, queryExecutorConfig } from '../src';
import { relaySettingsFromConfig } from '../src/relay/relay-settings-from-config';
import { readEventStream, startChangeLogStack, unpublishedCount, type ChangeLogStack } from './fixtures/change-log-stack';

describe('query-executor with its change-log relay', () => {
  let stack: ChangeLogStack;

  beforeEach(async () => {
    stack = await startChangeLogStack();
  });
  afterEach(async () => {
    await stack.dispose();
  });

  it('provisions the event stream from config at start, relays the change log, and stops the relay on close', async () => {
    const config = loadConfig(queryExecutorConfig, {
      env: {
        FRAISEQL_EVENTS_MAX_AGE: '2d',
        FRAISEQL_EVENTS_MAX_BYTES: '50000000',
        FRAISEQL_QUERY_EXECUTOR_RELAY_POLL_INTERVAL_MS: '100ms',
      },
    });
    const { destination } = captureLines();
    const executor = await createQueryExecutor({
      natsUrl: stack.nats.url,
      databaseUrl: stack.db.url,
      poolMax: 2,
      statementTimeoutMs: 5000,
      maxInFlight: 8,
      schemaSource: 'kv',
      cursorSecret: 'test-cursor-secret-of-at-least-32-characters',
      limits: { maxDepth: 10, maxCost: 50_000, maxAliases: 30, maxDocumentBytes: 65_536 },
      logger: createLogger({ service: 'query-executor', level: 'info', destination }),
      registry: new Registry(),
      ...relaySettingsFromConfig(config),
    });
    try {
      const info = await (await stack.nc.jetstreamManager()).streams.info(STREAMS.events);
      expect(info.config.max_age).toBe(2 * 86_400_000 * 1_000_000);
      expect(info.config.max_bytes).toBe(50_000_000);

      await stack.sql(
        `INSERT INTO fraiseql.tb_entity_change_log (entity_type, entity_id, event_type, data) VALUES ('Order', 'w1', 'INSERT', '{"id": "w1"}')`,
      );
      await waitFor(async () => (await unpublishedCount(stack)) === 0);
      expect((await readEventStream(stack.nc)).map((m) => m.event.entity_id)).toEqual(['w1']);
    } finally {
      await executor.close();
    }
    // Closed: a new row stays unpublished.
    await stack.sql(
      `INSERT INTO fraiseql.tb_entity_change_log (entity_type, entity_id, event_type, data) VALUES ('Order', 'w2', 'INSERT', '{"id": "w2"}')`,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(await unpublishedCount(stack)).toBe(1);
  });

  it('refuses a stream size of 0 in config, naming the key', () => {
    expect(() => loadConfig(queryExecutorConfig, { env: { FRAISEQL_EVENTS_MAX_BYTES: '0' } })).toThrow(/FRAISEQL_EVENTS_MAX_BYTES/);
  });
});
