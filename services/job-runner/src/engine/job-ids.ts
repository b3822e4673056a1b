import { orgFromToken, orgToken } from '@fraiseql/nats-contract';

/**
 * BullMQ ids are `<org token>.<job id>`: two orgs' jobs never share an id, and a lookup for one org can only
 * find that org's jobs (an org cannot name, see or touch another org's job by guessing its id). The API shows
 * the job id alone. Org tokens (libs/nats-contract) and job ids (JOB_ID_PATTERN) never hold a `.`.
 */
export function internalJobId(orgId: string | null, jobId: string): string {
  return `${orgToken(orgId)}.${jobId}`;
}

/** The parts of a BullMQ id; `orgToken` is the org's token as the id holds it (= `orgToken(orgId)`, not escaped again). */
export function splitInternalJobId(internalId: string): { orgId: string | null; orgToken: string; jobId: string } {
  const dot = internalId.lastIndexOf('.');
  const token = internalId.slice(0, dot);
  return { orgId: orgFromToken(token), orgToken: token, jobId: internalId.slice(dot + 1) };
}
