import type { FlightClient, FlightInfo } from '@fraiseql/flight';

type FlightEndpoint = NonNullable<FlightInfo['endpoint']>[number];
import type { LegMeasurement } from './leg-measurement';

/** The CMD descriptor of a view ticket, as docs/flight.md describes it. */
export interface ViewCommand {
  kind: 'view';
  view: string;
  columns: readonly string[];
  limit?: number;
}

/** CMD descriptor type of Flight.proto's FlightDescriptor.DescriptorType. */
const CMD = 2;

/**
 * GetFlightInfo for the view, then DoGet of every endpoint's ticket in turn on the same server,
 * the batches decoded by apache-arrow as they arrive: from the GetFlightInfo call to the last batch.
 */
export async function measureFlight(client: FlightClient, command: ViewCommand): Promise<LegMeasurement> {
  const started = performance.now();
  const info = await client.getFlightInfo({ type: CMD, cmd: Buffer.from(JSON.stringify(command)) });
  const endpoints = info.endpoint ?? [];
  if (endpoints.length === 0) throw new Error('GetFlightInfo returned no endpoint');
  let rows = 0;
  let batches = 0;
  let seqSum = 0;
  for (const endpoint of endpoints) {
    const read = await readEndpoint(client, endpoint);
    rows += read.rows;
    batches += read.batches;
    seqSum += read.seqSum;
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    rows,
    seconds,
    seqSum,
    detail: `${endpoints.length} endpoint(s), ${batches} batches, FlightInfo totalRecords ${info.totalRecords ?? '–'}`,
  };
}

/** What one endpoint's DoGet returned: rows, batches and the sum of `seq` (every row exactly once). */
export interface EndpointRead {
  rows: number;
  batches: number;
  seqSum: number;
}

/** DoGet of one endpoint's ticket, every batch decoded and its `seq` column summed. */
export async function readEndpoint(client: FlightClient, endpoint: FlightEndpoint): Promise<EndpointRead> {
  const ticket = endpoint.ticket?.ticket;
  if (!ticket || ticket.byteLength === 0) throw new Error('an endpoint has no ticket');
  let rows = 0;
  let batches = 0;
  let seqSum = 0;
  for await (const batch of client.doGet(ticket)) {
    rows += batch.numRows;
    batches++;
    const seq = batch.getChild('seq');
    if (!seq) throw new Error('a batch has no seq column');
    for (const value of seq.toArray() as Int32Array) seqSum += value;
  }
  return { rows, batches, seqSum };
}
