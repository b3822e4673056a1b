import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { FraiseqlError } from '@fraiseql/errors';
import { decodeEntityEvent, type EntityEvent } from '@fraiseql/events';

/** An EntityEvent from a JSON file, checked by libs/events' decoder; anything else is FRAISEQL_EVENT_FILE_INVALID. */
export async function readEventFile(path: string): Promise<EntityEvent> {
  const file = resolve(path);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new FraiseqlError('FRAISEQL_EVENT_FILE_INVALID', `cannot read the event file ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    return decodeEntityEvent(bytes);
  } catch (error) {
    throw new FraiseqlError('FRAISEQL_EVENT_FILE_INVALID', `${file} is not an EntityEvent: ${(error as Error).message}`, {
      cause: error,
      details: { file },
    });
  }
}
