/** Writes the dashboards and the alert rules the chart ships: `npx tsx libs/observability/src/generate.ts`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { generatedFiles } from './generated-files';

const root = resolve(__dirname, '../../..');
for (const [path, content] of generatedFiles()) {
  const target = resolve(root, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, content);
  console.log(`wrote ${path}`);
}
