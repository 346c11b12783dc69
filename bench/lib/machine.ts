import { arch, cpus, platform, release, totalmem } from 'node:os';

/** What the figures were measured on; printed first and saved with every result. */
export interface Machine {
  cpuModel: string;
  cores: number;
  node: string;
  openssl: string;
  v8: string;
  platform: string;
  memoryGiB: number;
}

/** Describe the machine the benchmarks run on. */
export function machine(): Machine {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    node: process.version,
    openssl: process.versions.openssl ?? 'unknown',
    v8: process.versions.v8,
    platform: `${platform()} ${release()} ${arch()}`,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  };
}

/** One line per field, for the console. */
export function describeMachine(m: Machine): string {
  return [
    `CPU      ${m.cpuModel} (${m.cores} cores)`,
    `Node     ${m.node} (V8 ${m.v8}, OpenSSL ${m.openssl})`,
    `System   ${m.platform}, ${m.memoryGiB} GiB`,
  ].join('\n');
}
