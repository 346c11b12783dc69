/**
 * What a load run charges to the servers besides their answers: their CPU time (from
 * `/proc`), the bytes they allocated on their V8 heaps (from the allocation probe preloaded
 * into each), and the CPU time of the services under them (PostgreSQL, Redis). Each is read
 * before and after the run; a figure that cannot be read is left out, never guessed.
 */
import { totalCpuMs } from './cpu.js';
import { cpuBetween, type ServiceMeter, type ServiceReading } from './services.js';

/** The meters of one target. */
export interface Meters {
  /** The server processes, charged with CPU time. */
  pids: readonly number[];
  /** Bytes the server processes allocated on their V8 heaps so far, summed. */
  allocatedBytes?: () => Promise<number | undefined>;
  /** The services under the servers (scaled shape). */
  services?: readonly ServiceMeter[];
}

/** What the meters charge one run with, per unit (request or journey). */
export interface Charged {
  /** CPU time the server processes used per unit, in µs. */
  serverCpuUsPerUnit?: number;
  /** The server processes' CPU time over the run's wall time, in % of one core. */
  serverCpuPct?: number;
  /** Bytes the server processes allocated on their V8 heaps per unit. */
  serverAllocBytesPerUnit?: number;
  /** CPU time of each service per unit, in µs, by service name. */
  serviceCpuUsPerUnit?: Record<string, number>;
}

/** Read every meter now; the returned function reads them again and charges `units`. */
export async function startMeters(meters: Meters): Promise<(units: number, wallMs: number) => Promise<Charged>> {
  const services = meters.services ?? [];
  const serviceBefore = await Promise.all(services.map((s) => s.read()));
  const allocBefore = await meters.allocatedBytes?.();
  const cpuBefore = totalCpuMs(meters.pids);
  return async (units, wallMs) => {
    const cpuAfter = totalCpuMs(meters.pids);
    const allocAfter = await meters.allocatedBytes?.();
    const serviceAfter = await Promise.all(services.map((s) => s.read()));
    const charged: Charged = {};
    const per = Math.max(1, units);
    if (cpuBefore !== undefined && cpuAfter !== undefined) {
      charged.serverCpuUsPerUnit = ((cpuAfter - cpuBefore) * 1000) / per;
      charged.serverCpuPct = (100 * (cpuAfter - cpuBefore)) / wallMs;
    }
    if (allocBefore !== undefined && allocAfter !== undefined) charged.serverAllocBytesPerUnit = (allocAfter - allocBefore) / per;
    const perService: Record<string, number> = {};
    services.forEach((service, i) => {
      const before: ServiceReading | undefined = serviceBefore[i];
      const after: ServiceReading | undefined = serviceAfter[i];
      if (before !== undefined && after !== undefined) perService[service.name] = (cpuBetween(before, after) * 1000) / per;
    });
    if (Object.keys(perService).length > 0) charged.serviceCpuUsPerUnit = perService;
    return charged;
  };
}
