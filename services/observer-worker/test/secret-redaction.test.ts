import { createLogger } from '@fraiseql/service-kit';
import { captureLines, waitFor } from '@fraiseql/testkit';
import { fastRetry, ORG_A, orderEvent, startFleet, startReceiver, webhookRule, type Fleet, type Receiver } from './support';

jest.setTimeout(60_000);

// A receiver that echoes what it was sent in its error body (many debugging endpoints do): the worker keeps the start
// of an error body as the failure's reason, in its log lines and in the dead letter. The rule's secrets
// (`{ secret }` header, signing secret) must be masked there, while the failure itself stays readable.
describe('observer-worker: rule secrets never reach logs or dead letters (real NATS, Redis, HTTP receiver)', () => {
  let fleet: Fleet;
  let receiver: Receiver;
  const log = captureLines();

  beforeAll(async () => {
    receiver = await startReceiver((request, response) => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'upstream exploded', echo: { authorization: request.headers.authorization } }));
    });
    fleet = await startFleet({ logger: createLogger({ service: 'observer-worker', level: 'debug', destination: log.destination }) });
  });
  afterAll(async () => {
    await fleet?.dispose();
    await receiver?.close();
  });

  it('masks a secret header echoed back by a failing receiver in the retry log lines and in the dead letter', async () => {
    await fleet.putRule(ORG_A, {
      ...webhookRule('echoing', `${receiver.url}/echo`, { retryPolicy: fastRetry(2) }),
      actions: [{ type: 'webhook', url: `${receiver.url}/echo`, headers: { Authorization: { secret: 'receiver-token' } } }],
    });
    const event = orderEvent();
    await fleet.publish(event);
    await waitFor(async () => (await fleet.deadLetters()).length === 1, 20_000);

    // The receiver got the real credential, twice (two attempts)…
    expect(receiver.received.map((r) => r.headers.authorization)).toEqual(['Bearer receiver-token-5678', 'Bearer receiver-token-5678']);
    // …the worker logged the failure with the receiver's answer, the credential masked…
    const retryLine = log.lines().find((line) => line.includes('retry scheduled'));
    expect(retryLine).toContain('receiver answered HTTP 500');
    expect(retryLine).toContain('upstream exploded');
    expect(retryLine).toContain('[REDACTED]');
    expect(log.lines().join('\n')).not.toContain('receiver-token-5678');
    // …and so does the dead letter, in its error and in every attempt of its history.
    const [letter] = await fleet.deadLetters();
    expect(letter!.error.message).toContain('upstream exploded');
    expect(letter!.attempts.history.map((h) => h.error.message)).toEqual([
      expect.stringContaining('[REDACTED]'),
      expect.stringContaining('[REDACTED]'),
    ]);
    expect(JSON.stringify(letter)).not.toContain('receiver-token-5678');
  });
});
