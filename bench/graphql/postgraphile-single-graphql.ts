/**
 * Makes PostGraphile v4 see ONE copy of `graphql` and `graphile-build`.
 *
 * Why: the workspace's root `graphql` is 16 (mercurius needs it) while PostGraphile v4 needs 15, so
 * npm nests graphql@15 twice — once under node_modules/postgraphile and once under the hoisted
 * node_modules/graphile-build-pg (each with its own graphile-build). Types built by one copy fail the
 * other copy's `instanceof` checks at query time ("Unexpected input type: [TbOrdersOrderBy!]").
 * Rather than changing the shared install, this process resolves both packages from PostGraphile's
 * own folder. Import this module before anything that loads postgraphile.
 */
import Module from 'node:module';
import { dirname, join } from 'node:path';

const postgraphileDir = dirname(require.resolve('postgraphile/package.json'));
const SHARED = ['graphql', 'graphile-build'];

interface ResolvableModule {
  _resolveFilename(request: string, parent: unknown, ...rest: unknown[]): string;
  _nodeModulePaths(from: string): string[];
}
const loader = Module as unknown as ResolvableModule;
const anchor = {
  id: join(postgraphileDir, 'index.js'),
  filename: join(postgraphileDir, 'index.js'),
  paths: loader._nodeModulePaths(postgraphileDir),
};
const resolve = loader._resolveFilename.bind(loader);

loader._resolveFilename = (request: string, parent: unknown, ...rest: unknown[]): string => {
  const shared = SHARED.some((name) => request === name || request.startsWith(`${name}/`));
  return resolve(request, shared ? anchor : parent, ...rest);
};
