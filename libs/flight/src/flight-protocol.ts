import type * as FlightProtocol from './generated/flight-protocol-types';

/**
 * The generated protobufjs codecs (scripts/gen-flight-bindings.sh). Loaded with `require`
 * because the generated module is plain JavaScript with a separate hand-off .d.ts (ADR 0091).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const generated = require('./generated/flight-protocol.js') as typeof FlightProtocol;

export const protocol = generated.arrow.flight.protocol;
export type { FlightProtocol };
