import { Client } from 'pg';
import { connect } from 'nats';
import { createTestDatabase, startNatsServer } from '@fraiseql/testkit';

describe('testkit', () => {
  it('creates a database that accepts connections and drops it afterwards', async () => {
    const db = await createTestDatabase();
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query('SELECT current_database() AS name');
    await client.end();
    expect(rows[0].name).toBe(db.name);
    await db.drop();
    const admin = new Client({ connectionString: db.url.replace(db.name, 'postgres') });
    await admin.connect();
    const gone = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db.name]);
    await admin.end();
    expect(gone.rowCount).toBe(0);
  });

  it('runs a private JetStream server that keeps its data across a restart', async () => {
    const server = await startNatsServer();
    try {
      let nc = await connect({ servers: server.url });
      const jsm = await nc.jetstreamManager();
      await jsm.streams.add({ name: 'T', subjects: ['t.>'] });
      await nc.jetstream().publish('t.a', new TextEncoder().encode('x'));
      await nc.close();
      await server.stop();
      await server.start();
      nc = await connect({ servers: server.url });
      const info = await (await nc.jetstreamManager()).streams.info('T');
      await nc.close();
      expect(info.state.messages).toBe(1);
    } finally {
      await server.dispose();
    }
  });
});
