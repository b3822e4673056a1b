import type { Server } from 'node:http';

/**
 * Stops a benchmark's child HTTP server on SIGTERM, SIGINT or the parent's death (its stdin closes),
 * whichever comes first: connections closed, `release` awaited (pools), then exit; 3 s at the most.
 * Shared by the PostGraphile v4 and v5 servers (plain Node APIs only: v5 runs on its own Node 22).
 */
export function stopWithParent(server: Server, release: () => Promise<unknown>): void {
  const stop = (): void => {
    server.close();
    server.closeAllConnections();
    void release()
      .catch(() => undefined)
      .finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 3_000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdin.resume();
  process.stdin.once('end', stop);
  process.stdin.once('close', stop);
}
