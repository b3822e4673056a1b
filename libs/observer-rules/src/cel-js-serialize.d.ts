// The package's subpath export, which TypeScript's node10 resolution (tsconfig.base.json) does not read.
declare module '@marcbachmann/cel-js/serialize' {
  import type { ASTNode } from '@marcbachmann/cel-js';
  export function serialize(ast: ASTNode): string;
}
