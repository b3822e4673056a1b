import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { EntityEvent } from '@fraiseql/events';
import { observerJobId } from '@fraiseql/jobs';
import { encodeObserverRuleEntry, observerRuleKey, openObserversBucket, type ObserverRuleEntry } from '@fraiseql/nats-contract';
import { loadCompiledSchema } from '@fraiseql/schema';
import { publishCompiledSchema } from '@fraiseql/schema-kv';
import { startNatsServer, type TestNatsServer } from '@fraiseql/testkit';
import { connect, type NatsConnection } from 'nats';
import { runCli } from '../src';

const ROOT = resolve(__dirname, '../../..');
const SHOP_ENTRY = join(ROOT, 'examples/shop/src/schema.ts');

/** The real `fraiseql` bin (from source, through tsx) in a child process: jiti loads TypeScript entries there, not under jest. */
function fraiseql(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'libs/cli/src/bin.ts'), ...args], { cwd: ROOT }, (error, stdout, stderr) =>
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}
const ORG_A = 'a0000000-0000-4000-8000-00000000000a';
const ORG_B = 'b0000000-0000-4000-8000-00000000000b';
const WEBHOOK_SECRET = 'signing-key-that-must-never-print';

const order = { id: 'o-42', status: 'SHIPPED', total: 120.5, currency: 'EUR', itemCount: 2 };
const shipped: EntityEvent = {
  event_id: '018f3c1e-7b2a-7c00-8a1b-000000000042',
  seq: 42,
  event_type: 'UPDATE',
  entity_type: 'Order',
  entity_id: 'o-42',
  org_id: ORG_A,
  user_id: null,
  timestamp: '2026-12-05T09:00:00.000000Z',
  data: {
    ...order,
    customer: { id: 'u-1', email: 'ada@example.com', name: 'Ada' },
    shippingAddress: { street: '1 rue', city: 'Lyon', postalCode: '69001', country: 'FR' },
  },
  before: { ...order, status: 'PAID' },
  changed_fields: ['status'],
  schema_version: null,
};

describe('fraiseql observers list|test', () => {
  let dir: string;
  let compiled: string;
  let lines: string[];
  const output = { info: (m: string) => lines.push(m), error: (m: string) => lines.push(`ERR ${m}`) };
  const cli = async (...args: string[]): Promise<{ code: number; text: string }> => {
    lines = [];
    const code = await runCli(args, output);
    return { code, text: lines.join('\n') };
  };
  const eventFile = (name: string, content: unknown): string => {
    const file = join(dir, name);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fraiseql-observers-cli-'));
    compiled = join(dir, 'schema.compiled.json');
    // The demo shop's TypeScript schema, compiled by the real `fraiseql compile`.
    const run = await fraiseql(['compile', SHOP_ENTRY, '-o', compiled]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
  });
  beforeEach(() => {
    process.env.FRAISEQL_DEV_INBOX_URL = 'https://inbox.example.com/hooks/shipped';
    process.env.FRAISEQL_DEV_WEBHOOK_SECRET = WEBHOOK_SECRET;
    delete process.env.FRAISEQL_DEV_INBOX_EMAIL;
    delete process.env.FRAISEQL_NATS_URL;
  });
  afterAll(() => {
    process.env = savedEnv;
    rmSync(dir, { recursive: true, force: true });
  });

  describe('the schema’s rules (no NATS)', () => {
    it('lists the shop’s rules compiled from the TypeScript entry (the real bin)', async () => {
      const run = await fraiseql(['observers', 'list', '--schema', SHOP_ENTRY, '--no-nats']);
      expect(run.code).toBe(0);
      const table = run.stdout.trimEnd().split('\n');
      expect(table[0]).toMatch(/^NAME\s+ORIGIN\s+ORG\s+ENTITY\s+EVENTS\s+ENABLED\s+ACTIONS\s+STATUS$/);
      expect(table[1]).toMatch(/^orderShippedWebhook\s+schema\s+\*\s+Order\s+UPDATE\s+yes\s+webhook\s+ok$/);
      expect(table[2]).toMatch(/^orderShippedEmail\s+schema\s+\*\s+Order\s+UPDATE\s+yes\s+email\s+ok$/);
      expect(table).toHaveLength(3);
      expect(run.stderr).toBe(`2 rule(s): 2 from the schema (${SHOP_ENTRY}), admin rules not read\n`);

      const bad = await fraiseql([
        'observers',
        'test',
        '--event',
        eventFile('bin-broken.json', 'nope'),
        '--schema',
        SHOP_ENTRY,
        '--no-nats',
      ]);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toBe('');
      expect(bad.stderr).toMatch(/^error FRAISEQL_EVENT_FILE_INVALID: .*bin-broken\.json is not an EntityEvent: .*not JSON\n$/);
    });

    it('lists the compiled rules as JSON lines', async () => {
      await cli('observers', 'list', '--schema', compiled, '--no-nats', '--json');
      const rows = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(rows.map((r) => [r.name, r.origin, r.orgId, r.entityType, r.eventTypes, r.enabled, r.actionTypes, r.valid])).toEqual([
        ['orderShippedWebhook', 'schema', null, 'Order', ['UPDATE'], true, ['webhook'], true],
        ['orderShippedEmail', 'schema', null, 'Order', ['UPDATE'], true, ['email'], true],
      ]);
      expect(rows[0]!.definition).toMatchObject({ condition: "changed_to('status', 'SHIPPED')" });
    });

    it('dry-runs an order that moves to SHIPPED: both rules fire, the webhook and the e-mail are printed, the signing key is not', async () => {
      const file = eventFile('shipped.json', shipped);
      const run = await cli('observers', 'test', '--event', file, '--schema', compiled, '--no-nats');
      expect(run.code).toBe(0);
      expect(lines[0]).toBe(`event ${shipped.event_id}: UPDATE Order o-42 (org ${ORG_A}, seq 42)`);
      expect(run.text).toContain('MATCH  orderShippedWebhook (schema, org *)\n  action 0: webhook\n    method: POST');
      expect(run.text).toContain('    url: https://inbox.example.com/hooks/shipped');
      expect(run.text).toContain('      X-Fraiseql-Rule: orderShippedWebhook');
      expect(run.text).toContain(
        '    body: {"orderId": "o-42", "status": "SHIPPED", "total": 120.5, "shippedAt": "2026-12-05T09:00:00.000000Z"}',
      );
      expect(run.text).toContain('    signingSecret: [REDACTED]');
      expect(run.text).toContain('MATCH  orderShippedEmail (schema, org *)\n  action 0: email\n    to: ada@example.com');
      expect(run.text).toContain('    bcc: orders@shop.test'); // the reference's default: FRAISEQL_DEV_INBOX_EMAIL is unset
      expect(run.text).toContain('    subject: Your order o-42 has shipped');
      expect(run.text).toContain(
        '    text:\n      | Hello Ada,\n      | \n      | your order of 2 item(s), 120.5 EUR, is on its way to Lyon.',
      );
      expect(run.text).toContain('    html: <p>Hello Ada,</p><p>your order of 2 item(s), 120.5 EUR, is on its way to Lyon.</p>');
      expect(run.text).toContain('2 of 2 rule(s) match');
      expect(run.text).toMatch(/ERR dry run: nothing was sent\. \{ secret \} references are never resolved/);
      expect(run.text).not.toContain(WEBHOOK_SECRET);

      await cli('observers', 'test', 'orderShippedWebhook', '--event', file, '--schema', compiled, '--no-nats', '--json');
      const report = JSON.parse(lines.join('\n'));
      expect(report).toMatchObject({ dryRun: true, matched: 1, event: { event_id: shipped.event_id } });
      expect(report.rules).toEqual([
        {
          name: 'orderShippedWebhook',
          origin: 'schema',
          orgId: null,
          matched: true,
          actions: [
            {
              index: 0,
              type: 'webhook',
              request: {
                type: 'webhook',
                method: 'POST',
                url: 'https://inbox.example.com/hooks/shipped',
                headers: { 'X-Fraiseql-Rule': 'orderShippedWebhook' },
                body: expect.stringContaining('"orderId": "o-42"'),
                signingSecret: '[REDACTED]',
              },
            },
          ],
        },
      ]);
      expect(JSON.stringify(report)).not.toContain(WEBHOOK_SECRET);
    });

    it('says why an event fires nothing: condition false, event type, entity', async () => {
      const stillPaid = eventFile('paid.json', { ...shipped, data: { ...shipped.data, status: 'PAID' } });
      let run = await cli('observers', 'test', '--event', stillPaid, '--schema', compiled, '--no-nats');
      expect(run.code).toBe(0);
      expect(run.text).not.toContain('MATCH');
      expect(run.text).not.toContain('no match'); // only with --verbose or a rule name
      expect(run.text).toContain('0 of 2 rule(s) match');

      run = await cli('observers', 'test', '--event', stillPaid, '--schema', compiled, '--no-nats', '--verbose');
      expect(run.text).toContain("no match  orderShippedWebhook (schema, org *): condition false: changed_to('status', 'SHIPPED')");
      expect(run.text).toContain("no match  orderShippedEmail (schema, org *): condition false: changed_to('status', 'SHIPPED')");

      const inserted = eventFile('insert.json', { ...shipped, event_type: 'INSERT', before: null, changed_fields: [] });
      run = await cli('observers', 'test', 'orderShippedEmail', '--event', inserted, '--schema', compiled, '--no-nats');
      expect(run.text).toContain('no match  orderShippedEmail (schema, org *): event type: the rule watches UPDATE, the event is INSERT');

      const product = eventFile('product.json', { ...shipped, entity_type: 'Product', entity_id: 'p-1' });
      run = await cli('observers', 'test', 'orderShippedEmail', '--event', product, '--schema', compiled, '--no-nats');
      expect(run.text).toContain('no match  orderShippedEmail (schema, org *): entity: the rule watches Order, the event is a Product');
      expect(run.text).toContain('0 of 1 rule(s) match');
    });

    it('refuses an unknown rule name and bad event files with stable codes, never a stack trace', async () => {
      const good = eventFile('good.json', shipped);
      let run = await cli('observers', 'test', 'orderShiped', '--event', good, '--schema', compiled, '--no-nats');
      expect(run.code).toBe(1);
      expect(run.text).toBe(
        'ERR error FRAISEQL_OBSERVER_NOT_FOUND: no observer rule named "orderShiped" is in force (rules: orderShippedWebhook, orderShippedEmail)',
      );

      run = await cli('observers', 'test', '--event', eventFile('broken.json', '{"event_id": '), '--schema', compiled, '--no-nats');
      expect(run.code).toBe(1);
      expect(run.text).toMatch(/^ERR error FRAISEQL_EVENT_FILE_INVALID: .*broken\.json is not an EntityEvent: .*not JSON/);

      const { seq: _seq, ...withoutSeq } = shipped;
      run = await cli('observers', 'test', '--event', eventFile('noseq.json', withoutSeq), '--schema', compiled, '--no-nats');
      expect(run.code).toBe(1);
      expect(run.text).toMatch(/^ERR error FRAISEQL_EVENT_FILE_INVALID: .*noseq\.json is not an EntityEvent: .*field seq is missing/);

      run = await cli('observers', 'test', '--event', eventFile('list.json', [shipped]), '--schema', compiled, '--no-nats');
      expect(run.text).toMatch(/^ERR error FRAISEQL_EVENT_FILE_INVALID: .*must be a JSON object/);

      run = await cli('observers', 'test', '--event', join(dir, 'missing.json'), '--schema', compiled, '--no-nats');
      expect(run.text).toMatch(/^ERR error FRAISEQL_EVENT_FILE_INVALID: cannot read the event file .*missing\.json/);

      run = await cli('observers', 'list', '--no-nats');
      expect(run.text).toMatch(/^ERR error FRAISEQL_BAD_REQUEST: no schema: give --schema/);

      run = await cli('observers', 'list', '--schema', compiled, '--nats', 'nats://127.0.0.1:1');
      expect(run.code).toBe(1);
      expect(run.text).toMatch(/^ERR error FRAISEQL_NATS_UNAVAILABLE: cannot reach NATS at nats:\/\/127\.0\.0\.1:1/);
      expect(lines.join('\n')).not.toMatch(/\n\s+at /);
    });
  });

  describe('admin rules from FRAISEQL_OBSERVERS (real NATS JetStream)', () => {
    let server: TestNatsServer;
    let nc: NatsConnection;

    const entry = (name: string, rule: Record<string, unknown>, enabled = true): ObserverRuleEntry => ({
      id: `c0000000-0000-4000-8000-${String(name.length).padStart(12, '0')}`,
      orgId: ORG_A,
      name,
      version: 3,
      enabled,
      rule,
      updatedAt: '2026-12-01T10:00:00.000Z',
    });

    beforeAll(async () => {
      server = await startNatsServer();
      nc = await connect({ servers: server.url });
      const kv = await openObserversBucket(nc);
      const bigOrder = entry('bigOrderShipped', {
        entityType: 'Order',
        eventTypes: ['UPDATE'],
        condition: "changed_to('status', 'SHIPPED') && data.total > 100.0",
        actions: [
          {
            type: 'webhook',
            url: 'https://erp.example.com/orders/{{ entity_id }}',
            headers: { Authorization: { secret: 'erp/token' }, 'X-Api-Token': { env: 'ERP_TOKEN' } },
            bodyTemplate: '{"id": {{ entity_id }}, "total": {{ data.total }}}',
          },
        ],
      });
      const typo = entry('typoRule', {
        entityType: 'Order',
        eventTypes: ['UPDATE'],
        condition: "data.stauts == 'SHIPPED'",
        actions: [{ type: 'webhook', url: 'https://erp.example.com/x' }],
      });
      await kv.put(observerRuleKey(ORG_A, bigOrder.name), encodeObserverRuleEntry(bigOrder));
      await kv.put(observerRuleKey(ORG_A, typo.name), encodeObserverRuleEntry(typo));
      await kv.put(`${ORG_A}.garbage`, new TextEncoder().encode('not json'));
      process.env.ERP_TOKEN = 'erp-env-token-never-printed';
    });
    afterAll(async () => {
      await nc.close();
      await server.dispose();
    });

    it('lists admin rules next to the schema’s, and flags those observer-worker refuses with the problem', async () => {
      const run = await cli('observers', 'list', '--schema', compiled, '--nats', server.url);
      expect(run.code).toBe(0);
      expect(lines[1]).toMatch(/^orderShippedWebhook\s+schema\s+\*/);
      expect(lines[3]).toMatch(new RegExp(`^bigOrderShipped\\s+admin\\s+${ORG_A}\\s+Order\\s+UPDATE\\s+yes\\s+webhook\\s+ok$`));
      expect(lines[5]).toMatch(
        new RegExp(
          `^typoRule\\s+admin\\s+${ORG_A}\\s+Order\\s+UPDATE\\s+yes\\s+webhook\\s+REFUSED FRAISEQL_OBSERVER_INVALID: condition: .*stauts`,
        ),
      );
      expect(lines[4]).toMatch(
        new RegExp(`^garbage\\s+admin\\s+${ORG_A}\\s+\\?\\s+\\?\\s+no\\s+\\?\\s+REFUSED FRAISEQL_BAD_MESSAGE: .*not JSON`),
      );
      expect(lines.at(-1)).toBe(`ERR 5 rule(s): 2 from the schema (${compiled}), 3 admin (2 refused)`);

      await cli('observers', 'list', '--schema', compiled, '--nats-url', server.url, '--json');
      const typo = lines.map((l) => JSON.parse(l)).find((r) => r.name === 'typoRule');
      expect(typo).toMatchObject({
        origin: 'admin',
        key: `${ORG_A}.typoRule`,
        version: 3,
        valid: false,
        refused: { code: 'FRAISEQL_OBSERVER_INVALID', problems: [{ path: 'condition', message: expect.stringContaining('stauts') }] },
      });

      // Another org sees the schema's rules only.
      await cli('observers', 'list', '--schema', compiled, '--nats', server.url, '--org', ORG_B);
      expect(lines.at(-1)).toBe(`ERR 2 rule(s): 2 from the schema (${compiled}), 0 admin (0 refused)`);
    });

    it('dry-runs an admin rule from KV, credentials redacted, and says why a refused one never fires', async () => {
      const file = eventFile('shipped-admin.json', shipped);
      let run = await cli('observers', 'test', 'bigOrderShipped', '--event', file, '--schema', compiled, '--nats', server.url);
      expect(run.code).toBe(0);
      expect(run.text).toContain(`MATCH  bigOrderShipped (admin, org ${ORG_A})`);
      expect(run.text).toContain('    url: https://erp.example.com/orders/o-42');
      expect(run.text).toContain('      Authorization: [REDACTED]');
      expect(run.text).toContain('      X-Api-Token: [REDACTED]');
      expect(run.text).toContain('    body: {"id": "o-42", "total": 120.5}');
      expect(run.text).not.toContain('erp-env-token-never-printed');

      run = await cli('observers', 'test', 'typoRule', '--event', file, '--schema', compiled, '--nats', server.url);
      expect(run.text).toMatch(/no match {2}typoRule \(admin, org a0+-.*\): refused by observer-worker: .*stauts/);

      // The same event for another org: the admin rule is org A's.
      const otherOrg = eventFile('other-org.json', { ...shipped, org_id: ORG_B });
      run = await cli('observers', 'test', 'bigOrderShipped', '--event', otherOrg, '--schema', compiled, '--nats', server.url);
      expect(run.text).toContain(
        `no match  bigOrderShipped (admin, org ${ORG_A}): org: the rule is org ${ORG_A}'s, the event is of org ${ORG_B}`,
      );

      // Every rule: the two schema rules and the admin rule fire.
      run = await cli('observers', 'test', '--event', file, '--schema', compiled, '--nats', server.url);
      expect(run.text).toContain('3 of 5 rule(s) match');
    });

    it('dry-runs a job action: the job type, the rendered payload, the delay and the job id observer-worker would enqueue', async () => {
      const kv = await openObserversBucket(nc);
      const rule = entry('exportShipped', {
        entityType: 'Order',
        eventTypes: ['UPDATE'],
        actions: [
          {
            type: 'job',
            jobType: 'order-export',
            payload: '{"order": {{ entity_id }}, "city": {{ data.shippingAddress.city }}}',
            delayMs: 60000,
          },
        ],
      });
      const key = observerRuleKey(ORG_A, rule.name);
      await kv.put(key, encodeObserverRuleEntry(rule));
      try {
        const file = eventFile('shipped-job.json', shipped);
        const run = await cli('observers', 'test', 'exportShipped', '--event', file, '--schema', compiled, '--nats', server.url);
        expect(run.code).toBe(0);
        const jobId = observerJobId('admin:exportShipped', 0, shipped.event_id);
        expect(run.text).toContain(
          [
            `MATCH  exportShipped (admin, org ${ORG_A})`,
            '  action 0: job',
            '    jobType: order-export',
            '    payload: {"order": "o-42", "city": "Lyon"}',
            '    delayMs: 60000',
            `    jobId: ${jobId}`,
          ].join('\n'),
        );
        await cli('observers', 'test', 'exportShipped', '--event', file, '--schema', compiled, '--nats', server.url, '--json');
        expect(JSON.parse(lines[0]!).rules[0].actions[0]).toEqual({
          index: 0,
          type: 'job',
          jobId,
          request: { type: 'job', jobType: 'order-export', payload: '{"order": "o-42", "city": "Lyon"}', delayMs: 60000 },
        });
      } finally {
        await kv.purge(key);
      }
    });

    it('reads the active schema from FRAISEQL_SCHEMA when no --schema is given', async () => {
      const revision = await publishCompiledSchema(nc, loadCompiledSchema(readFileSync(compiled, 'utf8')));
      process.env.FRAISEQL_NATS_URL = server.url;
      const run = await cli('observers', 'list');
      expect(run.code).toBe(0);
      expect(lines.at(-1)).toBe(`ERR 5 rule(s): 2 from the schema (FRAISEQL_SCHEMA/active@${revision}), 3 admin (2 refused)`);
    });
  });
});
