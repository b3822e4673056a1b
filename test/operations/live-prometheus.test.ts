import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASELINE_QUERIES } from './fixtures/baseline-queries';
import { runLoad, type LoadSummary } from './fixtures/fleet-load';
import { SERVICES, startLiveFleet, type LiveFleet } from './fixtures/live-fleet';
import {
  DASHBOARD_DIR,
  RULES_FILE,
  exportedAlerts,
  labelValuesQuery,
  loadDashboards,
  plainRuleFile,
  ruleFileAlerts,
  substituteVariables,
  type CheckedQuery,
  type DashboardQueries,
} from './fixtures/observability-queries';
import { PROMTOOL_BIN, startPrometheus, writeMetricsReport, type LivePrometheus } from './fixtures/prometheus';

// The dashboards and alerts as code (@fraiseql/observability → helm/fraiseql/files) proven alive: the six services of
// `npm start` run as real processes on their embedded defaults, a real Prometheus scrapes them every second (one job per
// service, job label = service name) with the chart's rules file loaded, a short mixed load runs, and then every panel
// query and every alert signal must return series, every alert expression must evaluate, every rule group must be
// healthy and every target up. Failures list every offending query at once.

const LOAD_MS = 35_000;

describe('dashboards and alerts against a live Prometheus scraping the real fleet', () => {
  let fleet: LiveFleet | undefined;
  let prometheus: LivePrometheus | undefined;
  let stopFleet: (() => Promise<void>) | undefined;
  let stopPrometheus: (() => Promise<void>) | undefined;
  let rulesDir: string | undefined;
  let load: LoadSummary;
  const dashboards: DashboardQueries[] = loadDashboards();
  const hasRules = existsSync(RULES_FILE);

  beforeAll(async () => {
    rulesDir = mkdtempSync(join(tmpdir(), 'fraiseql-ops-rules-'));
    const ruleFiles: string[] = [];
    if (hasRules) {
      const file = join(rulesDir, 'prometheus-rules.yaml');
      writeFileSync(file, plainRuleFile(readFileSync(RULES_FILE, 'utf8')));
      ruleFiles.push(file);
    }
    fleet = await startLiveFleet({ onStop: (stop) => (stopFleet = stop) });
    prometheus = await startPrometheus({
      onStop: (stop) => (stopPrometheus = stop),
      jobs: Object.fromEntries(SERVICES.map((s) => [s, `127.0.0.1:${fleet!.opsPorts[s]}`])),
      ruleFiles,
    });
    load = await runLoad(fleet, LOAD_MS);
    // The last scrapes and rule evaluations after the load (1 s intervals): a settling pause, not a measurement.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    if (process.env.FRAISEQL_OPS_LIVE_REPORT) await writeMetricsReport(prometheus, process.env.FRAISEQL_OPS_LIVE_REPORT);
  }, 170_000);

  afterAll(async () => {
    await stopPrometheus?.().catch(() => undefined);
    await stopFleet?.();
    if (rulesDir) rmSync(rulesDir, { recursive: true, force: true });
  }, 60_000);

  /** Evaluates each query; returns one line per query that errors, or that has no series when it must. */
  async function problems(queries: CheckedQuery[]): Promise<string[]> {
    const out: string[] = [];
    for (const q of queries) {
      const result = await prometheus!.query(q.expr);
      if (result.error !== undefined) out.push(`${q.origin}: ERROR ${result.error}\n    ${q.expr}`);
      else if (q.mustHaveSeries && result.series === 0) out.push(`${q.origin}: NO SERIES\n    ${q.expr}`);
    }
    return out;
  }

  it('reports an empty and an invalid query (the checks below cannot pass vacuously)', async () => {
    expect(
      await problems([
        { origin: 'empty', expr: 'fraiseql_no_such_metric_total', mustHaveSeries: true },
        { origin: 'invalid', expr: 'sum(rate(fraiseql_gateway_requests_total[5m])', mustHaveSeries: false },
        { origin: 'alive', expr: 'up', mustHaveSeries: true },
      ]),
    ).toEqual([expect.stringMatching(/^empty: NO SERIES/), expect.stringMatching(/^invalid: ERROR bad_data/)]);
  });

  it('drove the intended load (reads, mutations, Flight, observers, jobs, deliberate failures)', () => {
    expect(load.unexpected).toEqual([]);
    expect(load.ordersShipped).toBeGreaterThan(0);
    expect(load.exportJobs.length).toBeGreaterThan(0);
  });

  it('scrapes all six services, job label = service name, every target up', async () => {
    const targets = await prometheus!.activeTargets();
    expect(
      targets.map((t) => ({ job: t.labels.job, health: t.health, lastError: t.lastError })).sort((a, b) => a.job!.localeCompare(b.job!)),
    ).toEqual([...SERVICES].sort().map((job) => ({ job, health: 'up', lastError: '' })));
    expect((await prometheus!.query('up == 1')).series).toBe(SERVICES.length);
  });

  it('keeps the key series of every service alive under load (baseline, independent of the dashboards)', async () => {
    expect(await problems(BASELINE_QUERIES.map((q) => ({ ...q, origin: `baseline ${q.origin}`, mustHaveSeries: true })))).toEqual([]);
  });

  it(`answers every panel query of the generated dashboards (${DASHBOARD_DIR}) with series`, async () => {
    expect(dashboards.map((d) => d.file)).not.toEqual([]);
    expect(dashboards.filter((d) => d.queries.length === 0).map((d) => d.file)).toEqual([]);
    const checked: CheckedQuery[] = [];
    for (const dashboard of dashboards) {
      // Each template variable's first real value (label_values of what Prometheus scraped), else its current value.
      const values: Record<string, string> = {};
      for (const variable of dashboard.variables) {
        const lv = labelValuesQuery(variable);
        const current = variable.current?.value;
        const first = lv
          ? (await prometheus!.labelValues(lv.label, lv.match ? substituteVariables(lv.match, values) : undefined)).sort()[0]
          : ((Array.isArray(current) ? current[0] : current) ?? variable.options?.[0]?.value);
        if (first !== undefined && first !== '$__all') values[variable.name] = first;
      }
      for (const q of dashboard.queries) {
        checked.push({ origin: `${dashboard.file}: ${q.origin}`, expr: substituteVariables(q.expr, values), mustHaveSeries: true });
      }
    }
    expect(checked.length).toBeGreaterThan(0);
    expect(await problems(checked)).toEqual([]);
  });

  it('evaluates every alert expression without error and finds series for every alert signal', async () => {
    expect(hasRules).toBe(true);
    const fromFile = ruleFileAlerts(readFileSync(RULES_FILE, 'utf8'));
    const exported = await exportedAlerts();
    const checked: CheckedQuery[] = [
      ...fromFile.map((r) => ({ origin: `rules file ${r.group}/${r.alert ?? r.record} (expr)`, expr: r.expr, mustHaveSeries: false })),
      ...exported.map((a) => ({ origin: `alertRules() ${a.alert} (expr)`, expr: a.expr, mustHaveSeries: false })),
      ...exported
        .filter((a) => typeof a.signal === 'string')
        .map((a) => ({ origin: `alertRules() ${a.alert} (signal)`, expr: a.signal!, mustHaveSeries: true })),
    ];
    expect(fromFile.length).toBeGreaterThan(0);
    // The chart's file and the exported rules are the same alerts.
    expect(
      fromFile
        .filter((r) => r.alert)
        .map((r) => r.alert)
        .sort(),
    ).toEqual(exported.map((a) => a.alert).sort());
    expect(await problems(checked)).toEqual([]);
  });

  it('passes promtool check rules (the chart file as Prometheus loads it)', () => {
    expect(hasRules).toBe(true);
    const checked = spawnSync(PROMTOOL_BIN, ['check', 'rules', join(rulesDir!, 'prometheus-rules.yaml')], { encoding: 'utf8' });
    expect({ status: checked.status, output: `${checked.stdout}${checked.stderr}`.trim() }).toEqual({
      status: 0,
      output: expect.stringContaining('SUCCESS'),
    });
  });

  it('loads every rule group of the chart and evaluates it without error (/api/v1/rules)', async () => {
    expect(hasRules).toBe(true);
    const groups = await prometheus!.ruleGroups();
    const expected = [...new Set(ruleFileAlerts(readFileSync(RULES_FILE, 'utf8')).map((r) => r.group))].sort();
    expect(groups.map((g) => g.name).sort()).toEqual(expected);
    const unhealthy = groups.flatMap((g) => [
      ...(g.lastError ? [`group ${g.name}: ${g.lastError}`] : []),
      ...g.rules.filter((r) => r.health === 'err' || r.lastError).map((r) => `${g.name}/${r.name}: ${r.health} ${r.lastError ?? ''}`),
    ]);
    expect(unhealthy).toEqual([]);
  });
});
