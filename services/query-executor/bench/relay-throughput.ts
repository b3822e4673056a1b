// Relay throughput vs raw JetStream async publish, side by side in one run (a measurement, not a test).
// Run: TSX_TSCONFIG_PATH=libs/testkit/tsx.tsconfig.json node --import tsx \
//        services/query-executor/bench/relay-throughput.ts [events] [batch] [openBatches] [window]
import { connect } from 'nats';
import { Registry } from 'prom-client';
import { eventSubject } from '@fraiseql/nats-contract';
import { createLogger } from '@fraiseql/service-kit';
import { waitFor } from '@fraiseql/testkit';
import { insertChangeLogRows, startChangeLogStack, unpublishedCount } from '../test/fixtures/change-log-stack';
import { ChangeLogRelay } from '../src/relay/change-log-relay';
import { CLAIM_BATCH } from '../src/relay/relay-sql';

const EVENTS = Number(process.argv[2] ?? 50_000);
const BATCH = Number(process.argv[3] ?? 500);
const OPEN_BATCHES = Number(process.argv[4] ?? 2);
const WINDOW = Number(process.argv[5] ?? 2000);

async function rawPublish(): Promise<number> {
  const stack = await startChangeLogStack();
  try {
    await insertChangeLogRows(stack, EVENTS);
    // The same payloads and subjects the relay would send, prepared up front.
    const rows = await stack.sql<{
      event_id: string;
      org_id: string | null;
      entity_type: string;
      event_type: string;
      json_build_object: string;
    }>(CLAIM_BATCH, [EVENTS]);
    const nc = await connect({ servers: stack.nats.url });
    const js = nc.jetstream();
    const encoder = new TextEncoder();
    const started = process.hrtime.bigint();
    let inFlight = 0;
    let wake: (() => void) | undefined;
    for (const r of rows) {
      while (inFlight >= WINDOW) await new Promise<void>((res) => (wake = res));
      inFlight++;
      void js
        .publish(eventSubject(r.org_id, r.entity_type, r.event_type), encoder.encode(r.json_build_object), { msgID: r.event_id })
        .then(() => {
          inFlight--;
          wake?.();
        });
    }
    while (inFlight > 0) await new Promise<void>((res) => (wake = res));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await nc.close();
    return EVENTS / seconds;
  } finally {
    await stack.dispose();
  }
}

async function relay(): Promise<number> {
  const stack = await startChangeLogStack();
  try {
    await insertChangeLogRows(stack, EVENTS);
    const nc = await connect({ servers: stack.nats.url });
    const r = new ChangeLogRelay({
      databaseUrl: stack.db.url,
      nc,
      batchSize: BATCH,
      maxOpenBatches: OPEN_BATCHES,
      maxInFlight: WINDOW,
      pollIntervalMs: 1000,
      retentionMs: 86_400_000,
      registry: new Registry(),
      logger: createLogger({ service: 'bench', level: 'warn' }),
    });
    const started = process.hrtime.bigint();
    r.start();
    await waitFor(async () => (await unpublishedCount(stack)) === 0, 300_000);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await r.stop();
    await nc.close();
    return EVENTS / seconds;
  } finally {
    await stack.dispose();
  }
}

async function main(): Promise<void> {
  const raw = await rawPublish();
  const relayed = await relay();
  process.stdout.write(`${EVENTS} events, batch ${BATCH}, open batches ${OPEN_BATCHES}, window ${WINDOW}\n`);
  process.stdout.write(
    `raw async publish: ${Math.round(raw)} msg/s\nrelay:             ${Math.round(relayed)} msg/s\nratio relay/raw:   ${(relayed / raw).toFixed(2)}\n`,
  );
}

void main();
