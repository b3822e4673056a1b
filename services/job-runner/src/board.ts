import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';

export const BOARD_PATH = '/board';

export type BoardMode = 'read-only' | 'read-write';

/**
 * The operator UI (bull-board) at /board on the ops port. Read-only unless FRAISEQL_JOB_BOARD=read-write: in
 * read-only mode it shows queues, jobs, payloads, logs (each failed attempt) and errors, and offers no button that
 * changes anything — redrive and purge go through the job API (GraphQL, `npx fraiseql jobs`), which checks roles
 * and announces what it does. The ops port is not exposed outside the cluster (see docs/jobs.md, "Operator UI").
 */
export function boardRoutes(queue: Queue, mode: BoardMode): (app: FastifyInstance) => Promise<void> {
  return async (app) => {
    const adapter = new FastifyAdapter();
    adapter.setBasePath(BOARD_PATH);
    createBullBoard({
      queues: [new BullMQAdapter(queue, { readOnlyMode: mode === 'read-only', allowRetries: mode === 'read-write' })],
      serverAdapter: adapter,
      options: { uiConfig: { boardTitle: 'FraiseQL jobs' } },
    });
    await app.register(adapter.registerPlugin(), { prefix: BOARD_PATH });
  };
}
