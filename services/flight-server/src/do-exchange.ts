import { status, type handleBidiStreamingCall } from '@grpc/grpc-js';
import { FraiseqlError } from '@fraiseql/errors';
import type { FlightData } from '@fraiseql/flight';
import { toServiceError } from './flight-status';

/** DoExchange is refused as UNIMPLEMENTED before anything is read; it is not counted as a call. */
export const doExchange: handleBidiStreamingCall<FlightData, FlightData> = (call) => {
  const e = toServiceError(
    new FraiseqlError(
      'FRAISEQL_OPERATION_NOT_SUPPORTED',
      'DoExchange is not offered: use GetFlightInfo + DoGet to read and DoPut to write.',
    ),
  );
  call.emit('error', { ...e, code: status.UNIMPLEMENTED });
};
