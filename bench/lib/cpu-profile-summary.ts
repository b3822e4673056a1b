import { readFileSync } from 'node:fs';

/** The parts of a V8 `.cpuprofile` (Profiler.Profile) the summary reads. */
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  /** Microseconds, on the profiled process's monotonic clock. */
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileFunction {
  /** `name (file:line)`; V8's own entries as it names them: (garbage collector), (program), (idle). */
  name: string;
  selfMs: number;
  /** Share of the busy samples (all but (idle)). */
  selfShare: number;
}

export interface CpuProfileSummary {
  /** Busy milliseconds sampled (everything but (idle)) within the window. */
  busyMs: number;
  idleMs: number;
  /** Whether only a window of the profile was summarised (see `window`). */
  windowed: boolean;
  top: ProfileFunction[];
}

/** A time window on the profiled process's monotonic clock, in microseconds (process.hrtime.bigint() / 1000n). */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

const IDLE = '(idle)';

/**
 * The `limit` functions with the most self time in a V8 CPU profile (the sampled stack's top frame),
 * optionally only over the samples taken within `window` — for a whole-process `--cpu-prof` profile,
 * the part that streamed, without start-up. Functions are keyed by name, file and line, so a name
 * defined in two places stays two entries.
 */
export function summarizeCpuProfile(file: string, limit = 15, window?: ProfileWindow): CpuProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nameOf = new Map<number, string>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url === '' ? '' : ` (${url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '')}:${lineNumber + 1})`;
    nameOf.set(node.id, `${functionName === '' ? '(anonymous)' : functionName}${where}`);
  }
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // V8 stamps each sample with the time since the previous one; a sample's weight is the gap to the next.
  const selfUs = new Map<string, number>();
  let at = profile.startTime;
  const windowed = window !== undefined && window.fromUs < profile.endTime && window.toUs > profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    at += deltas[i] ?? 0;
    if (windowed && (at < window.fromUs || at > window.toUs)) continue;
    const weight = i + 1 < samples.length ? (deltas[i + 1] ?? 0) : Math.max(0, profile.endTime - at);
    const name = nameOf.get(samples[i]!) ?? '(unknown)';
    selfUs.set(name, (selfUs.get(name) ?? 0) + weight);
  }
  const idleUs = selfUs.get(IDLE) ?? 0;
  selfUs.delete(IDLE);
  const busyUs = [...selfUs.values()].reduce((sum, us) => sum + us, 0);
  const top = [...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, us]) => ({ name, selfMs: us / 1000, selfShare: busyUs === 0 ? 0 : us / busyUs }));
  return { busyMs: busyUs / 1000, idleMs: idleUs / 1000, windowed, top };
}

/** The summary as text lines: one per function, self ms and share of the busy time. */
export function formatCpuProfileSummary(title: string, summary: CpuProfileSummary): string {
  const lines = [
    `${title}: ${summary.busyMs.toFixed(0)} ms busy, ${summary.idleMs.toFixed(0)} ms idle${summary.windowed ? ' (the measured window only)' : ' (whole profile)'}; top ${summary.top.length} by self time:`,
  ];
  for (const f of summary.top)
    lines.push(`  ${f.selfMs.toFixed(0).padStart(7)} ms ${(f.selfShare * 100).toFixed(1).padStart(5)} %  ${f.name}`);
  return lines.join('\n');
}
