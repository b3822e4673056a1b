import type { NatsError } from 'nats';

/** JetStream API error codes the provisioning code tells apart (nats-server errors.json). */
const JS_ERR = {
  streamNotFound: 10059,
  streamNameInUse: 10058,
  consumerNotFound: 10014,
  consumerNameExists: 10013,
  consumerAlreadyExists: 10148,
} as const;

function jsErrCode(error: unknown): number | undefined {
  return (error as Partial<NatsError> | null)?.api_error?.err_code;
}

export function isNotFound(error: unknown): boolean {
  const code = jsErrCode(error);
  if (code === JS_ERR.streamNotFound || code === JS_ERR.consumerNotFound) return true;
  const message = (error as Error | null)?.message ?? '';
  return /not found/i.test(message);
}

/** Another process created the same object between our lookup and our create. */
export function isLostCreateRace(error: unknown): boolean {
  const code = jsErrCode(error);
  return code === JS_ERR.streamNameInUse || code === JS_ERR.consumerNameExists || code === JS_ERR.consumerAlreadyExists;
}
