import { API_KEY_SUBJECT_PREFIX, assertApiKeyCallerValid, credentialExpiresAt, type ApiKeyDirectory } from '@fraiseql/auth';
import { FraiseqlError, toFraiseqlError } from '@fraiseql/errors';
import type { Caller } from '@fraiseql/identity';

/** setTimeout's largest delay; a later expiry is re-armed when it fires. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Watches the credentials a long-lived connection (a WebSocket of subscriptions) was opened with: `onLapse` is called once
 * when they expire (a JWT's `exp`, an API key's `expiresAt`) or, for an API key, as soon as its revocation or removal
 * reaches the key directory. Returns the function that stops watching (call it when the connection closes).
 */
export function watchCredentialLifetime(
  caller: Caller,
  apiKeys: ApiKeyDirectory | undefined,
  onLapse: (error: FraiseqlError) => void,
): () => void {
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;
  const stop = (): void => {
    done = true;
    clearTimeout(timer);
    unsubscribe?.();
  };
  const lapse = (error: FraiseqlError): void => {
    if (done) return;
    stop();
    onLapse(error);
  };
  const expiresAt = credentialExpiresAt(caller);
  if (expiresAt !== undefined) {
    const arm = (): void => {
      const left = expiresAt - Date.now();
      if (left <= 0)
        lapse(new FraiseqlError('FRAISEQL_UNAUTHENTICATED', 'The credentials of this connection expired: reconnect with new ones'));
      else timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    };
    arm();
  }
  if (apiKeys && caller.subject?.startsWith(API_KEY_SUBJECT_PREFIX)) {
    const id = caller.subject.slice(API_KEY_SUBJECT_PREFIX.length);
    unsubscribe = apiKeys.onChange((changed) => {
      if (changed !== id) return;
      try {
        assertApiKeyCallerValid(apiKeys, caller);
      } catch (error) {
        lapse(toFraiseqlError(error));
      }
    });
  }
  return stop;
}
