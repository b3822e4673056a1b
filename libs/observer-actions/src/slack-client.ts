import { permanent, type ActionOutcome } from './action-outcome';
import type { ActionDelivery } from './action-delivery';
import { classifyHttpStatus, type HttpAnswer } from './classify-http-status';
import { WebhookClient } from './webhook-client';

/** A Slack incoming-webhook message, rendered: `text`, Block Kit `blocks`, or both (text is then the notification fallback). */
export interface SlackRequest {
  /** The incoming webhook URL (`https://hooks.slack.com/services/...`). */
  webhookUrl: string;
  text?: string;
  blocks?: unknown[];
  /** Kept stable across retries; Slack ignores it, a relay in between may use it. */
  idempotencyKey: string;
  timeoutMs?: number;
}

/**
 * Slack incoming webhooks through the webhook path (SSRF guard, isolation per host), with Slack's answers:
 * 200 `ok` success; 429 retryable after `Retry-After`; 5xx retryable; every 4xx permanent with Slack's
 * error string (`invalid_payload`, `channel_not_found`, `channel_is_archived`, `no_service`, ...) as the reason.
 */
export class SlackClient {
  private readonly webhooks: WebhookClient;

  constructor(private readonly delivery: ActionDelivery) {
    this.webhooks = new WebhookClient(delivery);
  }

  deliver(request: SlackRequest): Promise<ActionOutcome> {
    if (request.text === undefined && request.blocks === undefined) {
      return this.delivery.metrics.track('slack', async () =>
        permanent('FRAISEQL_ACTION_INVALID', 'a Slack message needs text or blocks', 0),
      );
    }
    const payload: Record<string, unknown> = {};
    if (request.text !== undefined) payload.text = request.text;
    if (request.blocks !== undefined) payload.blocks = request.blocks;
    return this.webhooks.send(
      'slack',
      {
        url: request.webhookUrl,
        body: JSON.stringify(payload),
        headers: { 'content-type': 'application/json; charset=utf-8' },
        idempotencyKey: request.idempotencyKey,
        timeoutMs: request.timeoutMs,
      },
      classifySlackAnswer,
    );
  }
}

export function classifySlackAnswer(answer: HttpAnswer): ActionOutcome {
  const slackError = answer.bodyText.trim().slice(0, 200);
  const reason = `Slack answered HTTP ${answer.status}${slackError ? ` ${slackError}` : ''}`;
  // A 200 whose body is not "ok" is an error Slack reports in the body (older workspaces): never a success.
  if (answer.status === 200 && slackError !== 'ok') return permanent('FRAISEQL_ACTION_REJECTED', reason, answer.latencyMs, { status: 200 });
  return classifyHttpStatus(answer, () => reason);
}
