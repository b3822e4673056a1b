import { FLIGHT_ROW_SELECTION } from './flight-bench-schema';
import type { LegMeasurement } from './leg-measurement';

export interface GraphqlLegOptions {
  url: string;
  org: string;
  /** Rows to read: the first ones by seq. */
  rows: number;
  page: number;
}

const PAGE_QUERY = `query FlightRows($after: Int!, $limit: Int!) {
  flightRows(where: { seq: { gt: $after } }, orderBy: [{ field: seq, direction: ASC }], limit: $limit) { ${FLIGHT_ROW_SELECTION} }
}`;

interface PageBody {
  data?: { flightRows?: Array<{ seq: number }> };
  errors?: unknown[];
}

/**
 * The rows through the GraphQL endpoint, one client paging by keyset (seq > last seen, the
 * largest page the schema allows, so no OFFSET rescans), every response parsed: from the first
 * request to the last response.
 */
export async function measureGraphql(options: GraphqlLegOptions): Promise<LegMeasurement> {
  const decoder = new TextDecoder();
  const headers = { 'content-type': 'application/json', 'x-fraiseql-dev-subject': 'bench', 'x-fraiseql-dev-org': options.org };
  let rows = 0;
  let seqSum = 0;
  let bytes = 0;
  let requests = 0;
  let after = 0;
  const started = performance.now();
  while (rows < options.rows) {
    const limit = Math.min(options.page, options.rows - rows);
    const response = await fetch(options.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query: PAGE_QUERY, variables: { after, limit } }),
    });
    const raw = await response.arrayBuffer();
    requests++;
    bytes += raw.byteLength;
    const body = JSON.parse(decoder.decode(raw)) as PageBody;
    const page = body.data?.flightRows;
    if (!response.ok || body.errors || !page)
      throw new Error(`GraphQL page after seq ${after} failed (${response.status}): ${decoder.decode(raw).slice(0, 500)}`);
    if (page.length === 0) break;
    for (const row of page) seqSum += row.seq;
    rows += page.length;
    after = page[page.length - 1]!.seq;
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    rows,
    seconds,
    seqSum,
    detail: `${requests} requests of ≤ ${options.page} rows, ${(bytes / rows).toFixed(0)} bytes of JSON per row`,
  };
}
