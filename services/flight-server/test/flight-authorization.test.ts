import { Table } from 'apache-arrow';
import { SignJWT } from 'jose';
import { connect, type NatsConnection } from 'nats';
import { FraiseqlError } from '@fraiseql/errors';
import { encodeEntityEvent, recordBatchToEntityEvents, type EntityEvent } from '@fraiseql/events';
import { FlightClient, type FlightInfo } from '@fraiseql/flight';
import { eventSubject, provisionJetStream } from '@fraiseql/nats-contract';
import { arrowDataset, column, compileSchema, defineSchema, entity, field, listQuery, type CompiledSchema } from '@fraiseql/schema';
import { JWT_SECRET, ORG_A, startFlightStack, type FlightStack } from './fixtures/flight-stack';

// Read rules of the compiled schema on every Flight path (docs/adr/0136-authorization-in-the-plan.md): datasets and their
// columns, graphql tickets (the query planner), event histories; through a real gRPC client with JWTs carrying roles.

const V1 = '11111111-0000-4000-8000-000000000001';
const V2 = '11111111-0000-4000-8000-000000000002';

function clinicSchema(): CompiledSchema {
  const Patient = entity(
    'Patient',
    { view: 'v_patient', requiresRole: ['clinician'], capture: true },
    { id: field.id(), name: field.string() },
  );
  const Visit = entity(
    'Visit',
    { view: 'v_visit', capture: true },
    {
      id: field.id(),
      reason: field.string({ nullable: true, requiresRole: ['clinician'], onDenied: 'mask' }),
      cost: field.decimal({ nullable: true, requiresRole: ['billing'] }),
      patient: field.object(Patient, { nullable: true, onDenied: 'mask' }),
    },
  );
  return compileSchema(
    defineSchema({
      types: [Patient, Visit],
      queries: [listQuery('visits', Visit, { defaultOrderBy: ['id'] }), listQuery('patients', Patient)],
      datasets: [
        arrowDataset('va_visit', {
          columns: {
            id: column.uuid({ nullable: false }),
            org_id: column.uuid({ nullable: false }),
            reason: column.text({ requiresRole: ['clinician'], onDenied: 'mask' }),
            cost: column.numeric(10, 2, { requiresRole: ['billing'] }),
          },
        }),
        arrowDataset('va_payroll', {
          requiresRole: ['hr'],
          columns: { id: column.uuid({ nullable: false }), org_id: column.uuid({ nullable: false }), salary: column.numeric(10, 2) },
        }),
      ],
    }),
  );
}

async function prepareClinic(admin: { query(sql: string): Promise<unknown> }): Promise<void> {
  await admin.query(`
    CREATE TABLE tb_visit (id uuid PRIMARY KEY, org_id uuid NOT NULL, reason text, cost numeric(10,2), patient jsonb);
    INSERT INTO tb_visit VALUES
      ('${V1}', '${ORG_A}', 'migraine', 120.00, '{"id": "p1", "name": "Ada"}'),
      ('${V2}', '${ORG_A}', 'checkup', 80.00, '{"id": "p2", "name": "Bob"}');
    CREATE VIEW v_visit AS SELECT id, org_id,
      jsonb_build_object('id', id, 'reason', reason, 'cost', cost, 'patient', patient) AS data FROM tb_visit;
    CREATE VIEW v_patient AS SELECT (patient->>'id')::text AS id, org_id, patient AS data FROM tb_visit;
    CREATE VIEW va_visit AS SELECT id, org_id, reason, cost FROM tb_visit;
    CREATE VIEW va_payroll AS SELECT id, org_id, cost AS salary FROM tb_visit;`);
}

const cmd = (value: unknown) => ({ type: 2, cmd: Buffer.from(JSON.stringify(value)) });
const path = (...parts: string[]) => ({ type: 1, path: parts });
const ticketsOf = (info: FlightInfo): Uint8Array[] => (info.endpoint ?? []).map((e) => e.ticket!.ticket!);

async function refusal(promise: Promise<unknown>): Promise<FraiseqlError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FraiseqlError);
  expect((error as FraiseqlError).code).toBe('FRAISEQL_FORBIDDEN');
  expect((error as FraiseqlError).details?.grpcStatusName).toBe('PERMISSION_DENIED');
  return error as FraiseqlError;
}

describe('read rules on Flight (real PostgreSQL, NATS JetStream, gRPC)', () => {
  let stack: FlightStack;
  let nc: NatsConnection;
  const clients: FlightClient[] = [];

  const clientWith = async (...roles: string[]): Promise<FlightClient> => {
    const token = await new SignJWT({ org_id: ORG_A, roles })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(`caller-${roles.join('-') || 'none'}`)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
      .sign(new TextEncoder().encode(JWT_SECRET));
    const client = new FlightClient(stack.server.address, { token });
    clients.push(client);
    return client;
  };
  const readTable = async (client: FlightClient, descriptor: ReturnType<typeof path>): Promise<Table> => {
    const info = await client.getFlightInfo(descriptor);
    return client.doGetTable(ticketsOf(info)[0]!);
  };
  const listed = async (client: FlightClient): Promise<string[]> => {
    const out: string[] = [];
    for await (const info of client.listFlights()) out.push((info.flightDescriptor?.path ?? []).join('/'));
    return out;
  };

  beforeAll(async () => {
    stack = await startFlightStack({ compiled: clinicSchema(), prepare: prepareClinic });
    nc = await connect({ servers: stack.nats.url });
    await provisionJetStream(nc);
    const event = (n: number, entityType: string, data: Record<string, unknown>): EntityEvent => ({
      event_id: `0190${n.toString(16).padStart(4, '0')}-0000-7000-8000-${n.toString(16).padStart(12, '0')}`,
      seq: n,
      event_type: 'INSERT',
      entity_type: entityType,
      entity_id: String(data.id),
      org_id: ORG_A,
      user_id: 'u1',
      timestamp: new Date().toISOString().replace('Z', '000Z'),
      data,
      before: null,
      changed_fields: [],
      schema_version: 'test',
    });
    const js = nc.jetstream();
    for (const e of [
      event(1, 'Visit', { id: V1, reason: 'migraine', cost: 120, patient: { id: 'p1', name: 'Ada' } }),
      event(2, 'Patient', { id: 'p1', name: 'Ada' }),
    ])
      await js.publish(eventSubject(e.org_id, e.entity_type, e.event_type), encodeEntityEvent(e), { msgID: e.event_id });
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await nc?.close();
    await stack?.close();
  });

  it('lists only what the caller may read: datasets by their rule, queries and event histories by their type rule', async () => {
    expect(await listed(await clientWith())).toEqual(['va_visit', 'query/visits', 'events/Visit']);
    // Every type rule passes, a field rule does not: the counts per type, not the event documents.
    expect(await listed(await clientWith('clinician'))).toEqual([
      'va_visit',
      'query/visits',
      'query/patients',
      'analytics/events_hourly',
      'analytics/entities_daily',
      'events/Patient',
      'events/Visit',
    ]);
    expect(await listed(await clientWith('clinician', 'billing', 'hr'))).toEqual([
      'va_visit',
      'va_payroll',
      'query/visits',
      'query/patients',
      'analytics/events_hourly',
      'analytics/entities_daily',
      'analytics/events',
      'analytics/entity_state',
      'events/Patient',
      'events/Visit',
    ]);
  });

  it('serves a dataset with masked columns as NULL and without the refused ones, and all of it to a caller with the roles', async () => {
    const plain = await readTable(await clientWith(), path('va_visit'));
    expect(plain.schema.fields.map((f) => f.name)).toEqual(['id', 'org_id', 'reason']);
    expect(plain.toArray().map((r) => r.reason)).toEqual([null, null]);

    const full = await readTable(await clientWith('clinician', 'billing'), path('va_visit'));
    expect(full.schema.fields.map((f) => f.name)).toEqual(['id', 'org_id', 'reason', 'cost']);
    expect(
      full
        .toArray()
        .map((r) => r.reason)
        .sort(),
    ).toEqual(['checkup', 'migraine']);
  });

  it('refuses a named refused column, a filter or an ordering on a masked one, and a dataset whose rule the caller lacks', async () => {
    const client = await clientWith();
    const named = await refusal(client.getFlightInfo(cmd({ kind: 'view', view: 'va_visit', columns: ['id', 'cost'] })));
    expect(named.message).toContain('Column va_visit.cost needs the role billing.');
    await refusal(
      client.getFlightInfo(
        cmd({ kind: 'view', view: 'va_visit', columns: ['id'], filters: [{ column: 'reason', op: 'eq', value: 'migraine' }] }),
      ),
    );
    await refusal(
      client.getFlightInfo(cmd({ kind: 'view', view: 'va_visit', columns: ['id'], orderBy: [{ column: 'reason', direction: 'asc' }] })),
    );
    await refusal(client.getFlightInfo(path('va_payroll')));
    await refusal(client.getSchema(path('va_payroll')));
    const hr = await readTable(await clientWith('hr'), path('va_payroll'));
    expect(hr.numRows).toBe(2);
  });

  it('plans graphql tickets with the same rules: masked fields null, refused fields and types FRAISEQL_FORBIDDEN', async () => {
    const client = await clientWith();
    const info = await client.getFlightInfo(cmd({ kind: 'graphql', query: '{ visits { id reason patient { name } } }' }));
    const table = await client.doGetTable(ticketsOf(info)[0]!);
    expect(table.toArray().map((r) => [r.reason, r.patient])).toEqual([
      [null, null],
      [null, null],
    ]);
    const refused = await refusal(client.getFlightInfo(cmd({ kind: 'graphql', query: '{ visits { id cost } }' })));
    expect(refused.message).toContain('Reading visits.cost (Visit.cost) needs the role billing.');
    await refusal(client.getFlightInfo(cmd({ kind: 'graphql', query: '{ patients { id } }' })));

    const clinician = await clientWith('clinician');
    const seen = await clinician.doGetTable(
      ticketsOf(await clinician.getFlightInfo(cmd({ kind: 'graphql', query: '{ visits { reason } }' })))[0]!,
    );
    expect(seen.toArray().map((r) => r.reason)).toEqual(['migraine', 'checkup']);
  });

  it("serves an entity's event history by its type rule, with the fields the caller may not read set to null", async () => {
    const client = await clientWith();
    const info = await client.getFlightInfo(path('events', 'Visit'));
    const events = (await Promise.all(ticketsOf(info).map(async (t) => client.doGetTable(t)))).flatMap((t) =>
      t.batches.flatMap((b) => recordBatchToEntityEvents(b)),
    );
    expect(events.map((e) => e.data)).toEqual([{ id: V1, reason: null, cost: null, patient: null }]);
    await refusal(client.getFlightInfo(path('events', 'Patient')));
    await refusal(client.getFlightInfo(path('analytics', 'events')));
    await refusal(client.getFlightInfo(path('analytics', 'events_hourly')));
    const countsOnly = await refusal((await clientWith('clinician')).getFlightInfo(path('analytics', 'entity_state')));
    expect(countsOnly.message).toContain('Visit.cost');

    const all = await clientWith('clinician', 'billing');
    const full = await all.getFlightInfo(path('events', 'Visit'));
    const fullEvents = (await all.doGetTable(ticketsOf(full)[0]!)).batches.flatMap((b) => recordBatchToEntityEvents(b));
    expect(fullEvents[0]!.data).toEqual({ id: V1, reason: 'migraine', cost: 120, patient: { id: 'p1', name: 'Ada' } });
  });
});
