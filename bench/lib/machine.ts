import os from 'node:os';

/** The machine a benchmark ran on, as reported by Node's `os` module. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  date: string;
  /** 1-minute load average when described (other work on a shared machine shows here). */
  load1: number;
}

/** Describes this machine. */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    load1: os.loadavg()[0] ?? Number.NaN,
  };
}

/** One Markdown line describing the machine. */
export function machineLine(m: MachineInfo): string {
  return `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, ${m.platform}, Node ${m.node}. Date: ${m.date}. 1-min load average at start: ${m.load1.toFixed(2)}.`;
}

/** The current 1-minute load average. */
export function load1(): number {
  return os.loadavg()[0] ?? Number.NaN;
}
