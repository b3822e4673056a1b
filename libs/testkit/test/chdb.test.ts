import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bool, Field, Float64, Int32, Int64, List, Table, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { loadChdb } from '../src';

// Needs `bash scripts/ensure-chdb.sh` (npm test runs it); loadChdb says so when it was not run.
describe('loadChdb', () => {
  it('loads the embedded ClickHouse installed in .tools/chdb and runs a query', () => {
    const chdb = loadChdb();
    expect(chdb.query('SELECT 1', 'CSV')).toBe('1\n');
    expect(loadChdb()).toBe(chdb);
  });

  it('reads an Arrow IPC stream written by apache-arrow, nulls and lists included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fraiseql-chdb-'));
    try {
      const file = join(dir, 'rows.arrows');
      const table = new Table({
        id: vectorFromArray([1, 2, 3], new Int32()),
        units: vectorFromArray([10n, 20n, 2n ** 40n], new Int64()),
        name: vectorFromArray(['a', null, 'ccc'], new Utf8()),
        price: vectorFromArray([1.5, 2.25, null], new Float64()),
        paid: vectorFromArray([true, false, null], new Bool()),
        tags: vectorFromArray([['x'], [], ['y', 'z']], new List(new Field('item', new Utf8(), true))),
      });
      writeFileSync(file, tableToIPC(table, 'stream'));

      const result = loadChdb().query(
        `SELECT count(), sum(id), sum(units), groupArray(name), sum(price), countIf(paid), arrayFlatten(groupArray(tags))
           FROM file('${file}', 'ArrowStream')`,
        'TSV',
      );
      expect(result).toBe(`3\t6\t${10 + 20 + 2 ** 40}\t['a','ccc']\t3.75\t1\t['x','y','z']\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
