export { protocol, type FlightProtocol } from './flight-protocol';
export { EncodedFlightData } from './encoded-flight-data';
export { recordBatchesToFlightData, type RecordBatchesToFlightDataOptions } from './record-batches-to-flight-data';
export { readFlightData, type FlightDataMessage, type ReadFlightDataOptions } from './flight-data-reader';
export { FlightRecordBatchDecoder } from './record-batch-decoder';
export { ColumnChecksums } from './column-checksums';
export {
  ipcStreamToFlightData,
  flightDataToIpcStream,
  flightDataToRecordBatches,
  flightDataToRecordBatchesViaIpcStream,
  messageBodyLength,
  type FlightDataFrame,
} from './flight-data-framing';
export {
  FLIGHT_SERVICE,
  type FlightServiceDefinition,
  type Action,
  type ActionType,
  type Criteria,
  type Empty,
  type FlightData,
  type FlightDescriptor,
  type FlightInfo,
  type FlightResult,
  type HandshakeRequest,
  type HandshakeResponse,
  type PollInfo,
  type PutResult,
  type SchemaResult,
  type Ticket,
} from './flight-service';
export {
  FlightClient,
  FLIGHT_CHANNEL_DEFAULTS,
  flightStatusToError,
  ERROR_CODE_TRAILER,
  type FlightCallOptions,
  type FlightClientOptions,
  type FlightClientTlsOptions,
} from './flight-client';
export { TicketCodec, parseFlightTicket, type TicketCodecOptions, type TicketIssueOptions } from './tickets/ticket-codec';
export {
  TICKET_LIMITS,
  type FlightTicket,
  type FlightTicketKind,
  type GraphqlTicket,
  type ViewTicket,
  type EventsTicket,
  type ExportTicket,
  type AnalyticsTicket,
  type ViewFilterOperator,
} from './tickets/flight-ticket';
