import { BenchChildren } from './child-processes';
import { startFraiseql } from './start-fraiseql';
import { startPostgraphile } from './start-postgraphile';
const root = '/work/main';
const databaseUrl = 'postgres://postgres@127.0.0.1:5432/fraiseql_bench';
async function main() {
  const children = new BenchChildren();
  try {
    const f = await startFraiseql(children, { root, databaseUrl, poolSize: 2, orgId: '00000000-0000-4000-8000-000000000001', log: console.log });
    const p = await startPostgraphile(children, { root, databaseUrl, poolSize: 2, orgId: '00000000-0000-4000-8000-000000000001' });
    for (const s of [f, p]) {
      const r = await fetch(s.url, { method: 'POST', headers: s.headers, body: s.body(20) });
      console.log(s.name, r.status, (await r.text()).length);
    }
    f.dispose();
  } finally { await children.stopAll(); }
}
main();
