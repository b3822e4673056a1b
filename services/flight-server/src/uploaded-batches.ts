import type { RecordBatch } from 'apache-arrow';
import { FraiseqlError } from '@fraiseql/errors';
import { flightDataToRecordBatches, messageBodyLength, type FlightDataFrame } from '@fraiseql/flight';

/** The batches of an upload's frames; bytes apache-arrow cannot read as an Arrow IPC stream are the caller's error. */
export async function* uploadedBatches(frames: AsyncIterable<FlightDataFrame>): AsyncGenerator<RecordBatch, void, undefined> {
  try {
    yield* flightDataToRecordBatches(checkedFrames(frames));
  } catch (error) {
    if (error instanceof FraiseqlError) throw error;
    throw new FraiseqlError('BAD_USER_INPUT', `The upload is not a valid Arrow IPC stream: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Frames whose header is an IPC Message declaring exactly the body it came with: anything else
 * would misalign the IPC stream the reader sees (or make it wait for bytes that never come).
 */
async function* checkedFrames(frames: AsyncIterable<FlightDataFrame>): AsyncGenerator<FlightDataFrame> {
  for await (const frame of frames) {
    let declared = -1;
    try {
      if (frame.dataHeader.byteLength >= 8) declared = messageBodyLength(frame.dataHeader);
    } catch {
      declared = -1;
    }
    if (declared !== frame.dataBody.byteLength) {
      throw new FraiseqlError(
        'BAD_USER_INPUT',
        'The upload is not a valid Arrow IPC stream: a FlightData header is not an IPC message declaring the body sent with it.',
      );
    }
    yield frame;
  }
}
