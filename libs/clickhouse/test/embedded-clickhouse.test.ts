import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyClickhouseError, EmbeddedClickhouse, openClickhouse, readJsonRows } from '../src';
import { describeClickhouseAnalytics } from './analytics-scenarios';

// EmbeddedClickhouse: chdb in this process, one data directory for the whole file (chdb allows one per process).
const path = mkdtempSync(join(tmpdir(), 'fraiseql-embedded-clickhouse-'));

afterAll(() => {
  rmSync(path, { recursive: true, force: true });
});

describeClickhouseAnalytics('embedded', () => (database) => EmbeddedClickhouse.open({ path, database }));

describe('EmbeddedClickhouse', () => {
  it('keeps its data in its directory across a close and a reopen', async () => {
    const first = await openClickhouse({ path, database: 'fq_reopen' });
    expect(first.kind).toBe('embedded');
    await first.command('CREATE TABLE IF NOT EXISTS kept (a UInt8) ENGINE = MergeTree ORDER BY a');
    await first.insert({ table: 'kept', format: 'JSONEachRow', body: '{"a":7}\n' });
    await first.close();
    const second = await EmbeddedClickhouse.open({ path, database: 'fq_reopen' });
    try {
      expect(await readJsonRows(second, 'SELECT a FROM kept')).toEqual([{ a: 7 }]);
    } finally {
      await second.command('DROP DATABASE fq_reopen');
      await second.close();
    }
  });

  it('classifies the engine errors by their code: syntax is permanent', async () => {
    const ch = await EmbeddedClickhouse.open({ path, database: 'default' });
    try {
      const error = await ch.query('SELEC 1').catch((e: unknown) => e);
      expect(classifyClickhouseError(error)).toEqual({ kind: 'permanent', category: 'statement', code: 62, name: 'SYNTAX_ERROR' });
    } finally {
      await ch.close();
    }
    await expect(ch.ping()).rejects.toMatchObject({ code: 'FRAISEQL_INTERNAL' });
  });

  it('says how to install chdb when it is not where it is looked for', async () => {
    await expect(EmbeddedClickhouse.open({ path, chdbDir: join(path, 'no-chdb-here') })).rejects.toMatchObject({
      code: 'FRAISEQL_CONFIG_INVALID',
      message: expect.stringContaining('scripts/ensure-chdb.sh'),
    });
  });
});
