export { createFlightServer } from './create-flight-server';
export type { FlightServer, FlightServerOptions } from './create-flight-server';
export { flightServerConfig } from './config';
export type { FlightServerConfig } from './config';
export { STREAM_ID_HEADER, FLIGHT_ACTIONS, schemaMessage } from './flight-service-impl';
export type { FlightSettings } from './flight-service-impl';
