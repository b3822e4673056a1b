import type { BenchChild } from './child-processes';

/** Resolves once the child's ops server answers /readyz with 2xx; rejects if it exits first or after 60 s. */
export async function waitReady(child: BenchChild, opsPort: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  let last = '';
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null || child.process.signalCode !== null) {
      throw new Error(`${child.name} exited during start (code ${child.process.exitCode}):\n${child.recentOutput()}`);
    }
    try {
      const response = await fetch(`http://127.0.0.1:${opsPort}/readyz`);
      if (response.ok) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${child.name} not ready after 60 s (${last}):\n${child.recentOutput()}`);
}
