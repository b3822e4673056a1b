import { readFileSync } from 'node:fs';

export interface ProcessMemory {
  /** Resident set size now (VmRSS), bytes. */
  rss: number;
  /** Peak resident set size over the process's life (VmHWM), bytes. */
  peak: number;
}

/** VmRSS and VmHWM of a process, from /proc/<pid>/status (Linux). */
export function readProcessMemory(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string): number => {
    const match = new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(status);
    if (!match) throw new Error(`/proc/${pid}/status has no ${key}`);
    return Number(match[1]) * 1024;
  };
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

/**
 * Samples a process's VmRSS every `intervalMs` until stopped: the highest sample, next to the
 * kernel's own high-water mark (VmHWM), shows when during a run the memory grew.
 */
export function sampleRss(pid: number, intervalMs = 100): { stop: () => number } {
  let highest = readProcessMemory(pid).rss;
  const timer = setInterval(() => {
    try {
      highest = Math.max(highest, readProcessMemory(pid).rss);
    } catch {
      // the process ended; the caller notices
    }
  }, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      return highest;
    },
  };
}

export const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0);
