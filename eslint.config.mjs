// Lint for the whole workspace. Module boundaries are enforced with Nx project tags:
// services may import libs, libs may import only libs, nothing imports a service,
// and nobody reaches into another package's src/internal.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';
import jsoncParser from 'jsonc-eslint-parser';

const moduleBoundaries = {
  enforceBuildableLibDependency: false,
  allowCircularSelfDependency: true,
  allow: [],
  depConstraints: [
    { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
    { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:lib'] },
    { sourceTag: 'type:example', onlyDependOnLibsWithTags: ['type:lib'] },
    { sourceTag: 'type:bench', onlyDependOnLibsWithTags: ['type:lib', 'type:example'] },
    { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib', 'type:service', 'type:example'] },
  ],
};

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '**/*.js', '**/*.mjs', '**/*.cjs', 'helm/**', 'k8s/**', 'tilt/**', '.nx/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@fraiseql/*/src/*', '@fraiseql/*/dist/*', '**/src/internal/*'],
              message: 'Import a package only through its public door (src/index.ts).',
            },
          ],
        },
      ],
      '@nx/enforce-module-boundaries': ['error', moduleBoundaries],
      // Prettier wraps code at 140 (.prettierrc.json) but never a comment or a long string: this catches comments.
      'max-len': [
        'error',
        { code: 140, tabWidth: 2, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true },
      ],
    },
  },
  {
    // Nx refuses any import of an application project (services, examples), whatever the tags.
    // The end-to-end suite is the one place that must run them: it may import exactly their
    // package names (their public door), nothing deeper; every other import keeps the rules above.
    // test/operations (the fleet live under a real Prometheus) is end-to-end in the same sense.
    files: ['test/e2e/**/*.ts', 'test/operations/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { ...moduleBoundaries, allow: ['^@fraiseql/(gateway|query-executor|flight-server|observer-worker|job-runner|sink|shop)$'] },
      ],
    },
  },
  {
    // A service's integration tests may run against the demo shop (its migrations, seed and compiled
    // schema) through the package's public door; service sources never import it.
    files: ['services/*/test/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', { ...moduleBoundaries, allow: ['^@fraiseql/shop$'] }],
    },
  },
  {
    // Benchmarks run the built services side by side and share bench/lib (child processes, ports,
    // the docs writer) by relative path; they are scripts, not packages, so the package rule is off.
    // They still may not reach into a package's internals (no-restricted-imports above).
    files: ['bench/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    // Every workspace package declares what its src/ imports (third-party and @fraiseql/*), at the
    // root package.json's versions; test-only imports may stay in devDependencies (the build
    // target's inputs exclude test/). Nx reads the imports from its cached project graph.
    files: ['{libs,services,examples}/*/package.json'],
    languageOptions: { parser: jsoncParser },
    plugins: { '@nx': nx },
    // typescript: libs/cli/bin compiles the CLI on its first run in a checkout (a devDependency there).
    rules: {
      '@nx/dependency-checks': [
        'error',
        {
          checkMissingDependencies: true,
          checkObsoleteDependencies: true,
          checkVersionMismatches: true,
          ignoredDependencies: ['typescript'],
        },
      ],
    },
  },
  {
    files: ['**/test/**/*.ts', 'bench/**/*.ts', '**/bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];
