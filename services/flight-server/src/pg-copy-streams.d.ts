// pg-copy-streams ships no types; only `from` is used here (libs/arrow declares `to`).
declare module 'pg-copy-streams' {
  import type { Writable } from 'node:stream';
  import type { Submittable } from 'pg';
  export interface CopyFromStreamQuery extends Writable, Submittable {
    rowCount: number;
  }
  export function from(text: string): CopyFromStreamQuery;
}
