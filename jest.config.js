// One jest configuration for the whole workspace. Tests run from TypeScript source,
// transpiled file by file by ts-jest (isolatedModules: type-checking is `tsc`'s job in
// `npm test`), and workspace packages resolve to their src/ so no build is needed first.
const tsJest = {
  diagnostics: false,
  tsconfig: { isolatedModules: true, target: 'es2022', module: 'commonjs', esModuleInterop: true, sourceMap: true },
};

// Dependencies published as ESM only; jest's CommonJS module system needs them transpiled
// (mercurius → @fastify/static → content-disposition 3; fastify.inject → light-my-request → cookie 2;
// @marcbachmann/cel-js, observer conditions).
const ESM_ONLY_PACKAGES = ['content-disposition', 'cookie', '@marcbachmann/cel-js'];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/services', '<rootDir>/examples', '<rootDir>/test'],
  testMatch: ['**/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', tsJest],
    // Only reached for the packages transformIgnorePatterns lets through.
    '^.+\\.js$': ['ts-jest', { ...tsJest, tsconfig: { ...tsJest.tsconfig, allowJs: true } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY_PACKAGES.join('|')})/)`],
  moduleNameMapper: {
    // The end-to-end suite (test/e2e) imports services and the demo shop by package name.
    '^@fraiseql/(gateway|query-executor|flight-server|observer-worker|job-runner|sink)$': '<rootDir>/services/$1/src/index.ts',
    '^@fraiseql/shop$': '<rootDir>/examples/shop/src/index.ts',
    '^@fraiseql/([a-z0-9-]+)$': '<rootDir>/libs/$1/src/index.ts',
  },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 60000,
};
