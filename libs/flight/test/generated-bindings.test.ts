import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');
const committed = join(root, 'libs/flight/src/generated');

describe('generated Flight protocol bindings', () => {
  it('are exactly what scripts/gen-flight-bindings.sh produces from proto/ (never stale)', () => {
    const fresh = mkdtempSync(join(tmpdir(), 'flight-bindings-'));
    try {
      execFileSync(join(root, 'scripts/gen-flight-bindings.sh'), [fresh], { cwd: root, stdio: 'pipe' });
      const files = readdirSync(committed).sort();
      expect(readdirSync(fresh).sort()).toEqual(files);
      for (const file of files) expect(readFileSync(join(fresh, file), 'utf8')).toBe(readFileSync(join(committed, file), 'utf8'));
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
