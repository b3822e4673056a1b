import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { alertRules, dashboards, generatedFiles, RUNBOOK_BASE_URL } from '../src';

const root = resolve(__dirname, '../../..');

interface PanelJson {
  type: string;
  title: string;
  targets?: { expr?: string; refId?: string }[];
}

describe('the generated dashboards and alert rules', () => {
  it('match the files committed under helm/fraiseql/files (run `npx tsx libs/observability/src/generate.ts` after a change)', () => {
    const files = generatedFiles();
    expect(files.size).toBe(6);
    for (const [path, content] of files) expect({ path, content: readFileSync(resolve(root, path), 'utf8') }).toEqual({ path, content });
  });

  it('give every panel at least one PromQL query, each with its own refId', () => {
    for (const { fileName, dashboard } of dashboards()) {
      const panels = (dashboard.panels ?? []) as PanelJson[];
      const queryPanels = panels.filter((panel) => panel.type !== 'row');
      expect(queryPanels.length).toBeGreaterThan(3);
      for (const panel of queryPanels) {
        const exprs = (panel.targets ?? []).map((target) => target.expr ?? '').filter((expr) => expr.trim() !== '');
        expect({ fileName, panel: panel.title, queries: exprs.length > 0 }).toEqual({ fileName, panel: panel.title, queries: true });
        const refIds = (panel.targets ?? []).map((target) => target.refId);
        expect(new Set(refIds).size).toBe(refIds.length);
      }
    }
  });

  it('give every dashboard a distinct uid and every panel a grid position', () => {
    const uids = dashboards().map(({ dashboard }) => dashboard.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const { dashboard } of dashboards()) for (const panel of dashboard.panels ?? []) expect(panel.gridPos).toBeDefined();
  });

  it('give every alert a severity, a summary, a description, a signal and a runbook whose anchor is a ### heading of docs/operations.md', () => {
    const operations = readFileSync(resolve(root, 'docs/operations.md'), 'utf8');
    const headings = new Set([...operations.matchAll(/^### (.+)$/gm)].map((match) => match[1].trim().toLowerCase()));
    const rules = alertRules();
    expect(rules.map((rule) => rule.alert)).toEqual([
      'FraiseqlServiceDown',
      'FraiseqlErrorRatioHigh',
      'FraiseqlLatencyP99High',
      'FraiseqlRelayLagHigh',
      'FraiseqlConsumerLagGrowing',
      'FraiseqlDeadLettersGrowing',
      'FraiseqlCircuitOpen',
      'FraiseqlJobQueueAgeHigh',
      'FraiseqlCredentialFailureSpike',
      'FraiseqlRateLimitSpike',
    ]);
    for (const rule of rules) {
      expect(['critical', 'warning']).toContain(rule.labels.severity);
      expect(rule.annotations.summary).not.toBe('');
      expect(rule.annotations.description).not.toBe('');
      expect(rule.for).toMatch(/^\d+m$/);
      expect(rule.expr.startsWith(rule.signal) || rule.expr.startsWith(`(${rule.signal}`)).toBe(true);
      expect(rule.signal).not.toMatch(/ (>|<|==) [\d.]+$/);
      const [base, anchor] = rule.annotations.runbook_url.split('#');
      expect(base).toBe(RUNBOOK_BASE_URL);
      expect({ alert: rule.alert, heading: headings.has(anchor) }).toEqual({ alert: rule.alert, heading: true });
    }
  });

  it('render the alerts as one Prometheus rule group without the signal', () => {
    const file = parse(generatedFiles().get('helm/fraiseql/files/prometheus-rules.yaml')!);
    expect(file.groups).toHaveLength(1);
    const rules = file.groups[0].rules as Record<string, unknown>[];
    expect(rules.map((rule) => rule.alert)).toEqual(alertRules().map((rule) => rule.alert));
    for (const rule of rules) expect(Object.keys(rule).sort()).toEqual(['alert', 'annotations', 'expr', 'for', 'labels']);
  });
});
