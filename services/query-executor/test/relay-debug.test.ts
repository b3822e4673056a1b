import { waitFor } from '@fraiseql/testkit';
import { readEventStream, startChangeLogStack, unpublishedCount, insertChangeLogRows } from './fixtures/change-log-stack';
it('debug', async () => {
  const t0 = Date.now();
  const log = (m: string) => process.stderr.write(`${Date.now() - t0} ${m}\n`);
  const stack = await startChangeLogStack();
  log('stack');
  await insertChangeLogRows(stack, 10);
  log('inserted');
  const { logs } = await stack.startRelay();
  log('relay');
  try { await waitFor(async () => (await unpublishedCount(stack)) === 0); } catch (e) { log('waitFor failed ' + logs().join('\n')); }
  log('published');
  const m = await readEventStream(stack.nc);
  log('read ' + m.length);
  await stack.dispose();
  log('disposed');
});
