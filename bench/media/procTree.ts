import { readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** `pid` and all its descendants alive now (children listed in `/proc/<pid>/task/<tid>/children`). */
export function processTree(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) {
    const current = all[i] as number;
    let tasks: string[] = [];
    try {
      tasks = readFileSync(`/proc/${current}/task/${current}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    } catch {
      // gone
    }
    for (const child of tasks) all.push(Number(child));
  }
  return all;
}

/** CPU time (user + system, ms, 10 ms resolution) of one process; 0 when it is gone. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Resident memory of one process in MiB; 0 when it is gone. */
export function processRssMiB(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** A reading of a process tree: CPU per pid and total RSS. */
export interface TreeReading {
  at: number;
  cpuByPid: Map<number, number>;
  rssMiB: number;
}

/** Reads the CPU time of every process in `pid`'s tree and their summed RSS. */
export function readTree(pid: number): TreeReading {
  const pids = processTree(pid);
  return {
    at: performance.now(),
    cpuByPid: new Map(pids.map((p) => [p, processCpuMs(p)])),
    rssMiB: pids.reduce((sum, p) => sum + processRssMiB(p), 0),
  };
}

/**
 * CPU used by the tree between two readings, in ms: per pid present in `to`, its time minus its
 * time in `from` (a process started in between counts from 0).
 */
export function treeCpuDelta(from: TreeReading, to: TreeReading): number {
  let sum = 0;
  for (const [pid, ms] of to.cpuByPid) sum += ms - (from.cpuByPid.get(pid) ?? 0);
  return sum;
}
