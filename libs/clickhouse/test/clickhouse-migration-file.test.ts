import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLICKHOUSE_MIGRATIONS_DIR, DAILY_ENTITIES_DIFFERENCES, HOURLY_ROLLUP_DIFFERENCES, HOURLY_ROLLUP_REPAIR } from '../src';
import { readClickhouseMigrations, splitStatements, substitutePlaceholders } from '../src/clickhouse-migration-file';

describe('ClickHouse migration files', () => {
  it('splits a file on the semicolons that end statements, not those in strings, identifiers or comments', () => {
    const sql = [
      '-- a comment; with a semicolon',
      "CREATE TABLE a (s String DEFAULT ';') ENGINE = Memory;",
      '/* block; comment',
      '   over lines */',
      "SELECT 'it\\'s; fine', `odd;name` FROM a;",
      '-- trailing comment only',
      '',
    ].join('\n');
    expect(splitStatements(sql)).toEqual([
      { sql: "-- a comment; with a semicolon\nCREATE TABLE a (s String DEFAULT ';') ENGINE = Memory", line: 2 },
      { sql: "/* block; comment\n   over lines */\nSELECT 'it\\'s; fine', `odd;name` FROM a", line: 5 },
    ]);
  });

  it('substitutes the runner placeholders, leaves {name:Type} parameters alone, and refuses an unknown placeholder', () => {
    const file = {
      version: '1',
      name: 'x',
      id: '1_x',
      path: '/m/1_x.sql',
      checksum: '',
      sql: 'SELECT {n:UInt8} FROM {database}.t -- {retention_days}',
    };
    expect(substitutePlaceholders(file, { database: 'db', retention_days: 90 })).toBe('SELECT {n:UInt8} FROM db.t -- 90');
    expect(() => substitutePlaceholders({ ...file, sql: 'SELECT {databse}' }, { database: 'db' })).toThrow(
      expect.objectContaining({ code: 'FRAISEQL_CONFIG_INVALID', message: expect.stringContaining('{databse}') }),
    );
  });

  it('reads migrations/clickhouse in version order with a checksum of the text as written', () => {
    const files = readClickhouseMigrations(CLICKHOUSE_MIGRATIONS_DIR);
    expect(files.map((f) => f.id)).toEqual([
      '0001_fraiseql_events',
      '0002_fraiseql_entity_state',
      '0003_fraiseql_events_hourly',
      '0004_fraiseql_entities_daily',
    ]);
    expect(files.every((f) => /^[0-9a-f]{64}$/.test(f.checksum))).toBe(true);
    expect(files.every((f) => splitStatements(f.sql).every((s) => /\bIF NOT EXISTS\b/.test(s.sql)))).toBe(true);
  });

  it('shows the recount and repair queries in docs/analytics.md exactly as the code runs them', () => {
    const doc = readFileSync(join(CLICKHOUSE_MIGRATIONS_DIR, '../../docs/analytics.md'), 'utf8');
    for (const sql of [HOURLY_ROLLUP_DIFFERENCES, HOURLY_ROLLUP_REPAIR, DAILY_ENTITIES_DIFFERENCES]) expect(doc).toContain(sql);
  });
});
