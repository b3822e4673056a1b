import { orgToken } from '@fraiseql/nats-contract';

/** The job-runner's own Redis keys, next to BullMQ's: `<prefix>:<queue>:fraiseql:…`. */
export class JobKeys {
  constructor(
    readonly prefix: string,
    readonly queue: string,
  ) {}

  private get base(): string {
    return `${this.prefix}:${this.queue}:fraiseql`;
  }

  /** ZSET (all scores 0) of `<created ms, 15 digits>:<job id>`: the org's jobs in creation order (the API's list). */
  orgIndex(orgId: string | null): string {
    return `${this.base}:org:${orgToken(orgId)}`;
  }

  /** The same members, of the org's jobs that have not started yet (the per-org waiting gauge). */
  orgPending(orgId: string | null): string {
    return this.orgPendingOfToken(orgToken(orgId));
  }

  orgPendingOfToken(token: string): string {
    return `${this.base}:pending:${token}`;
  }

  /** SET of org tokens that ever had a job (the gauges walk it). */
  get orgs(): string {
    return `${this.base}:orgs`;
  }

  /** SET of BullMQ ids of cancelled jobs (they sit in BullMQ's failed set next to the dead ones). */
  get cancelled(): string {
    return `${this.base}:cancelled`;
  }

  /** Held (60 s) by the enqueue creating the job with this BullMQ id. */
  claim(internalId: string): string {
    return `${this.base}:claim:${internalId}`;
  }

  /** A job's checkpoint (what its earlier attempts finished). */
  checkpoint(internalId: string): string {
    return `${this.base}:checkpoint:${internalId}`;
  }
}
