// Creates the files every workspace package has (package.json, project.json, tsconfig.json,
// src/index.ts, README.md). Usage: node scripts/scaffold-package.mjs libs/errors "what it is for" [dep ...]
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';

const [dir, description, ...deps] = process.argv.slice(2);
if (!dir || !description) throw new Error('usage: scaffold-package.mjs <libs|services|examples>/<name> "<description>" [dep ...]');
const name = basename(dir);
const kind = dir.split('/')[0];
const type = { libs: 'lib', services: 'service', examples: 'example' }[kind];
const scope = kind === 'services' ? name : kind === 'examples' ? 'examples' : 'shared';
const write = (file, text) => {
  if (!existsSync(join(dir, file))) writeFileSync(join(dir, file), text);
};
mkdirSync(join(dir, 'src'), { recursive: true });
mkdirSync(join(dir, 'test'), { recursive: true });
write(
  'package.json',
  JSON.stringify(
    {
      name: `@fraiseql/${name}`,
      version: '0.1.0',
      private: true,
      description,
      main: 'dist/index.js',
      types: 'dist/index.d.ts',
      files: ['dist'],
      dependencies: Object.fromEntries(deps.map((d) => [`@fraiseql/${d}`, '0.1.0'])),
    },
    null,
    2,
  ) + '\n',
);
write(
  'project.json',
  JSON.stringify(
    {
      name,
      $schema: '../../node_modules/nx/schemas/project-schema.json',
      sourceRoot: `${dir}/src`,
      projectType: type === 'lib' ? 'library' : 'application',
      tags: [`type:${type}`, `scope:${scope}`],
      targets: {
        build: { executor: 'nx:run-commands', options: { command: `tsc -b ${dir}/tsconfig.json` } },
        test: { executor: 'nx:run-commands', options: { command: `jest ${dir}` } },
        lint: { executor: 'nx:run-commands', options: { command: `eslint ${dir}` } },
      },
    },
    null,
    2,
  ) + '\n',
);
write(
  'tsconfig.json',
  JSON.stringify(
    {
      extends: '../../tsconfig.base.json',
      compilerOptions: { rootDir: 'src', outDir: 'dist', tsBuildInfoFile: 'dist/.tsbuildinfo' },
      include: ['src/**/*.ts'],
      references: deps.map((d) => ({ path: `../../libs/${d}` })),
    },
    null,
    2,
  ) + '\n',
);
write('src/index.ts', '');
write('README.md', `# @fraiseql/${name}\n\n${description}\n`);
console.log(
  `created ${dir}: now add { "path": "${dir}" } to tsconfig.build.json and run \`npm install\` (links @fraiseql/${name} and records it in package-lock.json; \`npm ci\` in CI fails until the lockfile knows it)`,
);
