import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LUA_SCRIPTS } from '../src/commands/lua-scripts';

describe('the Lua scripts embedded in src/commands/lua-scripts.ts', () => {
  it('are the .lua files beside them, word for word (else: node libs/job-fairness/scripts/embed-lua.mjs)', () => {
    const dir = join(__dirname, '..', 'src', 'commands');
    const files = Object.fromEntries(
      readdirSync(dir)
        .filter((f) => f.endsWith('.lua'))
        .map((f) => [f.replace(/\.lua$/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), readFileSync(join(dir, f), 'utf8')]),
    );
    expect(LUA_SCRIPTS).toEqual(files);
  });
});
