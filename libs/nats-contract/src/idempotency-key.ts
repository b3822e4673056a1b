/** The longest Idempotency-Key accepted (characters). */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 200;

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/**
 * Why an Idempotency-Key value is refused, or undefined when it is fine: 1 to 200 printable
 * ASCII characters (space to tilde), so it survives HTTP and NATS headers unchanged.
 */
export function idempotencyKeyProblem(value: string): string | undefined {
  if (value.length === 0) return 'the Idempotency-Key header is empty';
  if (value.length > IDEMPOTENCY_KEY_MAX_LENGTH)
    return `the Idempotency-Key header is longer than ${IDEMPOTENCY_KEY_MAX_LENGTH} characters`;
  if (!PRINTABLE_ASCII.test(value) || value !== value.trim())
    return 'the Idempotency-Key header must be printable ASCII without surrounding spaces';
  return undefined;
}
