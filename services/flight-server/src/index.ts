export { createFlightServer } from './create-flight-server';
export type { FlightServer, FlightServerOptions } from './create-flight-server';
export { flightServerConfig } from './config';
export type { FlightServerConfig } from './config';
export { STREAM_ID_HEADER } from './do-get';
export { FLIGHT_ACTIONS } from './flight-actions';
export { schemaMessage } from './schema-message';
export type { FlightSettings } from './flight-service-deps';
