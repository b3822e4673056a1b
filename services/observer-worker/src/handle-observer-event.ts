import { RetryableError, toFraiseqlError, type ErrorCode } from '@fraiseql/errors';
import type { EntityEvent } from '@fraiseql/events';
import type { EventContext, EventHandler } from '@fraiseql/jetstream-consumer';
import { HEADERS, SUBJECTS, type DeadLetterAttempt, type DeadLetterError } from '@fraiseql/nats-contract';
import type { ActionOutcome } from '@fraiseql/observer-actions';
import { matchRules, renderAction, type ObserverAction, type ObserverRule, type SecretResolver } from '@fraiseql/observer-rules';
import { mayRetry, retryDelayMs, type Logger, type RetryPolicy } from '@fraiseql/service-kit';
import { Counter, type Registry } from 'prom-client';
import type { ActionClients } from './action-clients';
import type { ActiveRule } from './observer-rule-set';

export interface ObserverEventHandlerOptions {
  /** The rules in force at the moment an event is handled. */
  rules: () => readonly ActiveRule[];
  clients: ActionClients;
  secrets: SecretResolver;
  /** For rules that set no retry policy / timeout. */
  defaultRetryPolicy: RetryPolicy;
  defaultTimeoutMs: number;
  logger: Logger;
  registry: Registry;
  /**
   * Slow receivers (docs/adr/0106-slow-receivers.md): a part of a newly delivered event whose host answers slower
   * than `afterMs` (or whose host's queue is full) is handed to FRAISEQL_REPLAY with `publish` and settled for
   * this event, so that the event's slot goes to events whose receivers keep up.
   * Absent or `afterMs` 0: every part waits its turn.
   */
  deferral?: Deferral;
}

/** Where a slow part goes (ADR 0106): published to the replay lane once its host is slower than `afterMs`. */
export interface Deferral {
  afterMs: number;
  publish: (event: EntityEvent, partKey: string) => Promise<void>;
}

/** One action of one matched rule: the unit that succeeds, retries or is dead-lettered on its own. */
interface Part {
  active: ActiveRule;
  action: ObserverAction;
  index: number;
  /** `<rule ref>/<action index>`: the dead letter's `details.key`, what a replay names. */
  key: string;
}

type PartResult = { kind: 'settled' } | { kind: 'pending'; code: ErrorCode; reason: string; dueInMs: number };

/** Parts done recently, remembered in this process too: a redelivery while Redis is down still skips them here. */
const LOCAL_DONE_LIMIT = 100_000;

/**
 * The observer-worker's event handler (docs/observers.md, "Delivery"): the rules that match the event, each
 * action a part of its own. A part runs when it is due, never twice once it succeeded (Redis `SET NX` on
 * rule, action and event, written after the success — the same key is the webhook's Idempotency-Key), and
 * is dead-lettered alone when it fails for good. The event is acked once every part has succeeded or been
 * dead-lettered; otherwise the handler throws a RetryableError whose delay is the earliest due part, and the
 * consumer kit naks the event with it.
 */
export function observerEventHandler(options: ObserverEventHandlerOptions): EventHandler {
  const { clients, secrets, logger } = options;
  const localDone = new Set<string>();
  const conditionErrors = new Counter({
    name: 'fraiseql_observer_condition_errors_total',
    help: 'Rule conditions that failed to evaluate on an event (the rule does not fire)',
    labelNames: ['origin'],
    registers: [options.registry],
  });
  const matches = new Counter({
    name: 'fraiseql_observer_rule_matches_total',
    help: 'Rules that matched an event, by origin',
    labelNames: ['origin'],
    registers: [options.registry],
  });

  const deferred = new Counter({
    name: 'fraiseql_observer_actions_deferred_total',
    help: 'Actions handed to the FRAISEQL_REPLAY lane because their receiver was too slow to wait for',
    labelNames: ['action_type'],
    registers: [options.registry],
  });
  const deferral = options.deferral && options.deferral.afterMs > 0 ? options.deferral : undefined;

  /** Hands the part to the replay lane; `undefined` when that failed (the part then runs here after all). */
  const defer = async (to: Deferral, event: EntityEvent, part: Part, why: string): Promise<PartResult | undefined> => {
    try {
      await to.publish(event, part.key);
    } catch (error) {
      logger.warn({ err: error, eventId: event.event_id, part: part.key }, 'could not defer a slow action; it waits here');
      return undefined;
    }
    deferred.inc({ action_type: part.action.type });
    logger.debug({ eventId: event.event_id, part: part.key }, `action deferred to the replay lane: ${why}`);
    return { kind: 'settled' };
  };

  const remember = (doneKey: string): void => {
    localDone.add(doneKey);
    if (localDone.size > LOCAL_DONE_LIMIT) localDone.delete(localDone.values().next().value!);
  };

  const runPart = async (
    event: EntityEvent,
    part: Part,
    context: EventContext,
    replay: boolean,
    mayDefer: boolean,
  ): Promise<PartResult> => {
    const { rule } = part.active;
    const doneKey = `${event.event_id}:${part.key}`;
    // Redis first (every replica's marks, and the dedup metric); this process's memory covers a Redis outage.
    if ((await context.dedup.alreadyDone(doneKey)) || localDone.has(doneKey)) return { kind: 'settled' };
    // Dead-lettered on an earlier delivery of this event; a replay of the letter runs it again.
    if (!replay && (await context.dedup.alreadyDone(`dead:${doneKey}`))) return { kind: 'settled' };

    const policy = rule.retryPolicy ?? options.defaultRetryPolicy;
    const history = context.attempt > 1 ? await context.parts.history(part.key) : [];
    const last = history.at(-1);
    const dueAt = Date.parse(last?.retry_at ?? '') || 0;
    if (last && dueAt > Date.now()) {
      // Not due yet (another part's earlier retry brought the event back); on the event's last delivery it ends here.
      if (context.isLastAttempt) return deadLetter(event, part, context, last.error, history, null);
      return { kind: 'pending', code: last.error.code as ErrorCode, reason: last.error.message, dueInMs: dueAt - Date.now() };
    }
    const attempt = history.length + 1;
    // Only a first attempt in the events lane moves; a retrying part keeps its schedule and its history here.
    const deferTo = mayDefer && attempt === 1 ? deferral : undefined;

    const started = performance.now();
    let redacted: unknown = null;
    let outcome: ActionOutcome;
    try {
      const rendered = await renderAction(part.action, event, secrets);
      redacted = rendered.redacted;
      const latencyMs = deferTo ? clients.targetLatencyMs(rendered.request) : 0;
      if (deferTo && latencyMs > deferTo.afterMs) {
        const moved = await defer(deferTo, event, part, `its receiver takes ~${Math.round(latencyMs)} ms per call`);
        if (moved) return moved;
      }
      const delivered = await clients.run(rendered.request, {
        idempotencyKey: doneKey,
        orgId: rule.orgId ?? event.org_id,
        timeoutMs: rule.timeoutMs ?? options.defaultTimeoutMs,
        ...(deferTo ? { maxWaitMs: deferTo.afterMs } : {}),
        part: { ruleRef: part.active.ref, actionIndex: part.index, eventId: event.event_id },
      });
      // A receiver may echo what it was sent (a credential header) in the error body the reason quotes: mask it
      // before the reason reaches a log line, the attempt history or a dead letter.
      outcome = delivered.kind === 'success' ? delivered : { ...delivered, reason: rendered.redactText(delivered.reason) };
    } catch (error) {
      // Rendering failed (a missing secret, a template error at run time): retrying will not fix the rule.
      const failure = toFraiseqlError(error);
      outcome = { kind: 'permanent', code: failure.code, reason: failure.message, latencyMs: performance.now() - started };
    }

    if (deferTo && outcome.kind === 'retryable' && outcome.code === 'FRAISEQL_ACTION_HOST_BUSY') {
      const moved = await defer(deferTo, event, part, outcome.reason);
      if (moved) return moved;
    }
    if (outcome.kind === 'success') {
      remember(doneKey);
      await context.dedup.markDone(doneKey);
      return { kind: 'settled' };
    }

    const record: DeadLetterAttempt = {
      attempt,
      at: new Date().toISOString(),
      error: { code: outcome.code, message: outcome.reason },
      latency_ms: Math.round(outcome.latencyMs * 1000) / 1000,
    };
    const finalAttempt = outcome.kind === 'permanent' || context.isLastAttempt || !mayRetry(policy, attempt, outcome.code);
    if (!finalAttempt) {
      const retryAfterMs = outcome.kind === 'retryable' ? outcome.retryAfterMs : undefined;
      const delay = retryDelayMs(policy, attempt, retryAfterMs === undefined ? {} : { retryAfterMs });
      await context.parts.recordFailure(part.key, { ...record, retry_at: new Date(Date.now() + delay).toISOString() });
      logger.info(
        { eventId: event.event_id, rule: rule.name, action: part.index, code: outcome.code, attempt, retryInMs: delay },
        `action failed (${outcome.reason}); retry scheduled`,
      );
      return { kind: 'pending', code: outcome.code, reason: outcome.reason, dueInMs: delay };
    }
    return deadLetter(event, part, context, record.error, [...history, record], redacted);
  };

  const deadLetter = async (
    event: EntityEvent,
    part: Part,
    context: EventContext,
    error: DeadLetterError,
    history: DeadLetterAttempt[],
    request: unknown,
  ): Promise<PartResult> => {
    const { rule } = part.active;
    try {
      await context.parts.deadLetter(part.key, {
        error,
        history,
        details: {
          rule: rule.name,
          rule_origin: part.active.origin,
          rule_ref: part.active.ref,
          org_id: rule.orgId,
          action_index: part.index,
          action_type: part.action.type,
          request,
        },
      });
    } catch (failure) {
      // Not stored: keep the part pending so that the next delivery writes it (or the kit dead-letters the event).
      logger.error({ err: failure, eventId: event.event_id, rule: rule.name, action: part.index }, 'dead letter of an action not written');
      return { kind: 'pending', code: 'FRAISEQL_DEAD_LETTER_FAILED', reason: 'the dead letter could not be written', dueInMs: 1000 };
    }
    await context.dedup.markDone(`dead:${event.event_id}:${part.key}`);
    return { kind: 'settled' };
  };

  return async (event, context) => {
    const replay = context.headers?.has(HEADERS.replayOf) ?? false;
    const replayKey = context.headers?.get(HEADERS.replayKey) || undefined;
    const active = options.rules();
    const byRule = new Map<ObserverRule, ActiveRule>(active.map((a) => [a.rule, a]));
    const matched = matchRules(
      active.map((a) => a.rule),
      event,
      {
        onConditionError: (rule, error) => {
          const origin = byRule.get(rule)?.origin ?? 'schema';
          conditionErrors.inc({ origin });
          logger.warn({ eventId: event.event_id, rule: rule.name, err: error }, 'condition failed to evaluate; the rule does not fire');
        },
      },
    );
    let parts: Part[] = matched.flatMap((rule) => {
      const owner = byRule.get(rule)!;
      matches.inc({ origin: owner.origin });
      return rule.actions.map((action, index) => ({ active: owner, action, index, key: `${owner.ref}/${index}` }));
    });
    if (replayKey !== undefined) {
      parts = parts.filter((part) => part.key === replayKey);
      if (parts.length === 0)
        logger.warn({ eventId: event.event_id, part: replayKey }, 'replayed action no longer matches a rule in force; nothing to do');
    }
    if (parts.length === 0) return;

    // Every part at once: a slow or failing action never holds up the others of the same event.
    // Parts already in the replay lane (replays, deferred parts) wait their turn there: they never move again.
    const mayDefer = !context.subject.startsWith(`${SUBJECTS.replayPrefix}.`);
    const results = await Promise.all(parts.map((part) => runPart(event, part, context, replay, mayDefer)));
    const pending = results.filter((r): r is Extract<PartResult, { kind: 'pending' }> => r.kind === 'pending');
    if (pending.length === 0) return;
    const next = pending.reduce((a, b) => (b.dueInMs < a.dueInMs ? b : a));
    throw new RetryableError(
      next.code,
      `${pending.length} of ${parts.length} actions pending: ${next.reason}`,
      Math.max(0, Math.ceil(next.dueInMs)),
    );
  };
}
