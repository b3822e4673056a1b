import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { alertRules, dashboards, RULES_FILE } from '../src';

const PROMTOOL = '/usr/bin/promtool';
const root = resolve(__dirname, '../../..');
const testFile = resolve(__dirname, 'alerts.test.yml');

function promtool(...args: string[]): string {
  if (!existsSync(PROMTOOL))
    throw new Error(`${PROMTOOL} is missing: run scripts/ensure-prometheus.sh (installs Debian's prometheus package) and retry`);
  try {
    return execFileSync(PROMTOOL, args, { cwd: root, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${failed.stdout ?? ''}${failed.stderr ?? ''}`);
  }
}

describe('the Prometheus alert rules, checked by promtool', () => {
  it('are a valid rule file', () => {
    expect(promtool('check', 'rules', RULES_FILE)).toContain(`SUCCESS: ${alertRules().length} rules found`);
  });

  it('fire each alert on the synthetic series of its failure and stay silent on healthy ones (test/alerts.test.yml)', () => {
    expect(promtool('test', 'rules', testFile)).toContain('SUCCESS');
  });

  it('accept every panel query and every alert signal as PromQL (checked as recording rules)', () => {
    const exprs = dashboards().flatMap(({ dashboard }) =>
      (dashboard.panels ?? []).flatMap((panel) => ((panel as { targets?: { expr: string }[] }).targets ?? []).map((target) => target.expr)),
    );
    exprs.push(...alertRules().map((rule) => rule.signal));
    // Grafana substitutes the template variable; `.+` is its "All" value.
    const rules = exprs.map((expr, i) => ({ record: `fraiseql:check_${i}`, expr: expr.replace(/\$service/g, '.+') }));
    const dir = mkdtempSync(join(tmpdir(), 'fraiseql-panels-'));
    try {
      const file = join(dir, 'panels.yaml');
      writeFileSync(file, stringify({ groups: [{ name: 'panels', rules }] }));
      expect(promtool('check', 'rules', file)).toContain(`SUCCESS: ${rules.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('have a firing case for every alert and a silent case for every alert in alerts.test.yml', () => {
    const tests = parse(readFileSync(testFile, 'utf8')).tests as {
      alert_rule_test: { alertname: string; exp_alerts: unknown[] }[];
    }[];
    const cases = tests.flatMap((test) => test.alert_rule_test);
    for (const { alert } of alertRules()) {
      expect({ alert, fires: cases.some((c) => c.alertname === alert && c.exp_alerts.length > 0) }).toEqual({ alert, fires: true });
      expect({ alert, silent: cases.some((c) => c.alertname === alert && c.exp_alerts.length === 0) }).toEqual({ alert, silent: true });
    }
  });
});
