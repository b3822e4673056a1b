import { createHash } from 'node:crypto';

/**
 * The job id of an observer `job` action: the same rule, action and event always give the same id, so a
 * redelivered event never enqueues a second job (BullMQ ignores an add whose id exists). Hashed: rule
 * names and event ids may hold characters a BullMQ id must not (`:`), and the id stays short.
 */
export function observerJobId(ruleRef: string, actionIndex: number, eventId: string): string {
  const digest = createHash('sha256').update(`${ruleRef}\u0000${actionIndex}\u0000${eventId}`).digest('hex');
  return `obs-${digest.slice(0, 40)}`;
}
