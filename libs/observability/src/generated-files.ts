import { dashboards } from './dashboards';
import { renderRulesFile } from './render-rules-file';

/** Where the chart reads the generated files, relative to the repository root. */
export const DASHBOARDS_DIR = 'helm/fraiseql/files/dashboards';
export const RULES_FILE = 'helm/fraiseql/files/prometheus-rules.yaml';

/** Every generated file: path relative to the repository root → content. */
export function generatedFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const { fileName, dashboard } of dashboards()) files.set(`${DASHBOARDS_DIR}/${fileName}`, `${JSON.stringify(dashboard, null, 2)}\n`);
  files.set(RULES_FILE, renderRulesFile());
  return files;
}
