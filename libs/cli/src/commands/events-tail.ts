import { decodeEntityEvent, type EntityEvent } from '@fraiseql/events';
import { FraiseqlError } from '@fraiseql/errors';
import { eventFilterSubject, STREAMS } from '@fraiseql/nats-contract';
import type { Command } from 'commander';
import { connect, DeliverPolicy, type JsMsg, type OrderedConsumerOptions } from 'nats';
import type { CommandOutput } from '../command-output';
import { DEFAULT_NATS_URL } from './schema-push';

export interface EventsTailOptions {
  natsUrl?: string;
  /** GraphQL type name, e.g. `Order`. */
  entity?: string;
  /** Org id; `_` for events without an org. */
  org?: string;
  /** INSERT, UPDATE, DELETE or a custom event name. */
  op?: string;
  /** Start this far back (`30s`, `10m`, `2h`, `1d`) instead of with new events. */
  since?: string;
  /** Start with the oldest event the stream holds. */
  all?: boolean;
  /** Print each event's JSON payload instead of the one-line summary. */
  json?: boolean;
  /** Stop after this many events (else until `signal` aborts). */
  limit?: number;
  signal?: AbortSignal;
}

const UNITS_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DATA_PREVIEW = 120;

/**
 * `fraiseql events tail`: follows FRAISEQL_EVENTS with an ordered consumer (ephemeral, in memory,
 * no acks, nothing left behind on the server), filtered by escaped subject tokens. Resolves with
 * the number of events shown once `limit` is reached or `signal` aborts.
 */
export async function runEventsTail(options: EventsTailOptions, output: CommandOutput): Promise<number> {
  if (options.all && options.since !== undefined) throw usage('--all and --since cannot be combined');
  const filter = eventFilterSubject({
    ...(options.org === undefined ? {} : { orgId: options.org === '_' ? null : options.org }),
    ...(options.entity === undefined ? {} : { entityType: options.entity }),
    ...(options.op === undefined ? {} : { op: options.op }),
  });
  const consumerOptions: Partial<OrderedConsumerOptions> = { filterSubjects: filter };
  if (options.since !== undefined) consumerOptions.opt_start_time = new Date(Date.now() - parseSince(options.since)).toISOString();
  // Without a start, nats.js starts an ordered consumer at the stream's first message (--all).
  else if (!options.all) consumerOptions.deliver_policy = DeliverPolicy.New;

  const nc = await connect({
    servers: options.natsUrl ?? process.env.FRAISEQL_NATS_URL ?? DEFAULT_NATS_URL,
    name: 'fraiseql-cli events tail',
    maxReconnectAttempts: -1,
  });
  let shown = 0;
  try {
    const consumer = await nc.jetstream().consumers.get(STREAMS.events, consumerOptions);
    const messages = await consumer.consume({ max_messages: 256 });
    const stop = (): void => void messages.close();
    if (options.signal?.aborted) stop();
    options.signal?.addEventListener('abort', stop, { once: true });
    try {
      for await (const msg of messages as AsyncIterable<JsMsg>) {
        let event: EntityEvent;
        try {
          event = decodeEntityEvent(msg.data);
        } catch (error) {
          output.error(`skipping a malformed message on ${msg.subject} (stream seq ${msg.seq}): ${(error as Error).message}`);
          continue;
        }
        output.info(options.json ? msg.string() : formatEvent(event));
        shown++;
        if (options.limit !== undefined && shown >= options.limit) break;
      }
    } finally {
      options.signal?.removeEventListener('abort', stop);
      await messages.close();
    }
  } finally {
    await nc.close();
  }
  return shown;
}

/** One line per event, for a terminal: time, org, entity, op, id, seq, user, changed fields, data preview. */
export function formatEvent(event: EntityEvent): string {
  const parts = [
    event.timestamp,
    `${event.entity_type}.${event.event_type}`,
    event.entity_id,
    `org=${event.org_id ?? '_'}`,
    `seq=${event.seq}`,
    `user=${event.user_id ?? '-'}`,
  ];
  if (event.changed_fields.length > 0) parts.push(`changed=${event.changed_fields.join(',')}`);
  const data = JSON.stringify(event.data);
  parts.push(data.length > DATA_PREVIEW ? `${data.slice(0, DATA_PREVIEW - 1)}…` : data);
  return parts.join('  ');
}

function parseSince(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$/.exec(value);
  if (!match) throw usage(`--since expects a duration like 30s, 10m, 2h or 1d, got ${JSON.stringify(value)}`);
  return Math.round(Number(match[1]) * UNITS_MS[match[2]!]!);
}

function usage(message: string): FraiseqlError {
  return new FraiseqlError('FRAISEQL_BAD_REQUEST', message);
}

export function registerEventsCommand(program: Command, output: CommandOutput): void {
  const events = program.command('events').description(`Entity change events (JetStream stream ${STREAMS.events})`);
  events
    .command('tail')
    .description('Follow the event stream in the terminal, one line per event (new events unless --since or --all)')
    .option('--entity <type>', 'only this entity type (GraphQL type name, e.g. Order)')
    .option('--org <id>', 'only this org ("_" for events without an org)')
    .option('--op <op>', 'only this event type (INSERT, UPDATE, DELETE or custom)')
    .option('--since <duration>', 'start this far back: 30s, 10m, 2h, 1d')
    .option('--all', 'start with the oldest event the stream holds')
    .option('--json', 'print each event as its JSON payload, one per line')
    .option('-n, --limit <count>', 'stop after this many events', (v) => {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 1) throw usage(`--limit expects a positive integer, got ${JSON.stringify(v)}`);
      return n;
    })
    .option('--nats-url <url>', `NATS server (default $FRAISEQL_NATS_URL or ${DEFAULT_NATS_URL})`)
    .action(async (opts: Omit<EventsTailOptions, 'signal'>) => {
      const controller = new AbortController();
      const abort = (): void => controller.abort();
      process.once('SIGINT', abort);
      process.once('SIGTERM', abort);
      try {
        await runEventsTail({ ...opts, signal: controller.signal }, output);
      } finally {
        process.off('SIGINT', abort);
        process.off('SIGTERM', abort);
      }
    });
}
