// One jest configuration for the whole workspace. Tests run from TypeScript source,
// transpiled file by file by ts-jest (isolatedModules: type-checking is `tsc`'s job in
// `npm test`), and workspace packages resolve to their src/ so no build is needed first.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/services', '<rootDir>/examples', '<rootDir>/test'],
  testMatch: ['**/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false, tsconfig: { isolatedModules: true, target: 'es2022', module: 'commonjs', esModuleInterop: true, sourceMap: true } }],
  },
  moduleNameMapper: {
    '^@fraiseql/([a-z0-9-]+)$': '<rootDir>/libs/$1/src/index.ts',
  },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 60000,
};
