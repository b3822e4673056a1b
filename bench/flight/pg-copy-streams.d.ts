// pg-copy-streams ships no types; only `to` is used here (the reference server path of server-codec-comparison.ts).
declare module 'pg-copy-streams' {
  import type { Readable } from 'node:stream';
  import type { Submittable } from 'pg';
  export interface CopyToStreamQuery extends Readable, Submittable {
    rowCount: number;
  }
  export function to(text: string): CopyToStreamQuery;
}
