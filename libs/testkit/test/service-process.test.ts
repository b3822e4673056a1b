import { join } from 'node:path';
import { captureLines, startServiceProcess, waitFor } from '../src';

describe('startServiceProcess', () => {
  it('runs a TypeScript entry point whose workspace imports resolve to src/, with exactly the given environment', async () => {
    const child = startServiceProcess(join(__dirname, 'fixtures/report-error-code.ts'), { FRAISEQL_PROBE: 'seen', EXIT_CODE: '3' });
    expect(await child.exited).toBe(3);
    expect(child.stdout()).toBe('FRAISEQL_CONFIG_INVALID 500 seen no-home\n');
  });
});

describe('waitFor', () => {
  it('resolves once an async condition holds and throws when it never does', async () => {
    let calls = 0;
    await waitFor(async () => ++calls >= 3);
    expect(calls).toBe(3);
    await expect(waitFor(() => false, 50)).rejects.toThrow('condition not met within 50 ms');
  });
});

describe('captureLines', () => {
  it('keeps every non-empty line written to it', async () => {
    const { destination, lines } = captureLines();
    destination.write('{"a":1}\n{"b":2}\n');
    destination.write('\n{"c":3}\n');
    await new Promise((r) => destination.end(r));
    expect(lines()).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });
});
