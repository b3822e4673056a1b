import { connect, type NatsConnection } from 'nats';
import { encodeEntityEvent, type EntityEvent } from '@fraiseql/events';
import { eventSubject, provisionJetStream } from '@fraiseql/nats-contract';
import { startNatsServer, type TestNatsServer } from '@fraiseql/testkit';
import { runEventsTail, type EventsTailOptions } from '../src';

const ORG = 'a0000000-0000-4000-8000-00000000000a';

function event(seq: number, overrides: Partial<EntityEvent> = {}): EntityEvent {
  return {
    event_id: `018f3c1e-7b2a-7c00-8a1b-${String(seq).padStart(12, '0')}`,
    seq,
    event_type: 'UPDATE',
    entity_type: 'Order',
    entity_id: `o${seq}`,
    org_id: ORG,
    user_id: 'user-1',
    timestamp: '2024-03-01T09:05:00.123456Z',
    data: { id: `o${seq}`, status: 'PAID' },
    before: null,
    changed_fields: ['status'],
    schema_version: 'h1',
    ...overrides,
  };
}

describe('fraiseql events tail', () => {
  let server: TestNatsServer;
  let nc: NatsConnection;

  beforeEach(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
    await provisionJetStream(nc);
  });
  afterEach(async () => {
    await nc.close();
    await server.dispose();
  });

  const publish = async (e: EntityEvent): Promise<void> => {
    await nc.jetstream().publish(eventSubject(e.org_id, e.entity_type, e.event_type), encodeEntityEvent(e), { msgID: e.event_id });
  };
  const tail = async (options: EventsTailOptions): Promise<{ lines: string[]; errors: string[]; shown: number }> => {
    const lines: string[] = [];
    const errors: string[] = [];
    const shown = await runEventsTail({ natsUrl: server.url, ...options }, { info: (m) => lines.push(m), error: (m) => errors.push(m) });
    return { lines, errors, shown };
  };

  it('--all --entity shows the stored events of that entity type only, one line each, in order', async () => {
    await publish(event(1));
    await publish(event(2, { entity_type: 'Product', entity_id: 'p2' }));
    await publish(event(3, { event_type: 'DELETE', org_id: null, changed_fields: [] }));
    const { lines } = await tail({ all: true, entity: 'Order', limit: 2 });
    expect(lines).toEqual([
      `2024-03-01T09:05:00.123456Z  Order.UPDATE  o1  org=${ORG}  seq=1  user=user-1  changed=status  {"id":"o1","status":"PAID"}`,
      '2024-03-01T09:05:00.123456Z  Order.DELETE  o3  org=_  seq=3  user=user-1  {"id":"o3","status":"PAID"}',
    ]);
  });

  it('--org _ matches events without an org, and entity names are escaped in the filter', async () => {
    await publish(event(1, { entity_type: 'Odd.Type' }));
    await publish(event(2, { entity_type: 'Odd.Type', org_id: null }));
    const { lines } = await tail({ all: true, entity: 'Odd.Type', org: '_', json: true, limit: 1 });
    expect(lines.map((l) => JSON.parse(l).seq)).toEqual([2]);
  });

  it('--json prints each payload exactly as stored', async () => {
    const e = event(7);
    await publish(e);
    const { lines } = await tail({ since: '1h', json: true, limit: 1 });
    expect(lines).toEqual([new TextDecoder().decode(encodeEntityEvent(e))]);
  });

  it('by default shows only events published after it started', async () => {
    await publish(event(1, { entity_id: 'old' }));
    const running = tail({ limit: 1 });
    let done = false;
    void running.finally(() => (done = true));
    for (let seq = 2; !done; seq++) {
      await publish(event(seq, { entity_id: 'new' }));
      await new Promise((r) => setTimeout(r, 50));
    }
    const { lines } = await running;
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('  new  ');
  });

  it('reports a malformed message and keeps following', async () => {
    await nc.jetstream().publish(eventSubject(ORG, 'Order', 'UPDATE'), new TextEncoder().encode('{"not": "an event"}'));
    await publish(event(2));
    const { lines, errors } = await tail({ all: true, limit: 1 });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/malformed message on fraiseql\.v1\.events\..*Malformed EntityEvent/);
    expect(lines).toHaveLength(1);
  });

  it('refuses --all with --since, and a malformed --since', async () => {
    await expect(tail({ all: true, since: '10m' })).rejects.toMatchObject({ code: 'FRAISEQL_BAD_REQUEST' });
    await expect(tail({ since: 'ten minutes' })).rejects.toMatchObject({ code: 'FRAISEQL_BAD_REQUEST' });
  });

  it('stops when its signal aborts', async () => {
    const controller = new AbortController();
    const running = tail({ signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    expect((await running).shown).toBe(0);
  });
});
