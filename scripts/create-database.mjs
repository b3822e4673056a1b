// Creates the database named in a postgres:// URL when it does not exist yet.
import pg from 'pg';

const url = new URL(process.argv[2]);
const name = decodeURIComponent(url.pathname.slice(1));
if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`unsupported database name: ${name}`);
const admin = new URL(url);
admin.pathname = '/postgres';
const client = new pg.Client({ connectionString: admin.toString() });
await client.connect();
try {
  const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (rowCount === 0) {
    await client.query(`CREATE DATABASE "${name}"`);
    console.log(`    created database ${name}`);
  } else {
    console.log(`    database ${name} exists`);
  }
} finally {
  await client.end();
}
