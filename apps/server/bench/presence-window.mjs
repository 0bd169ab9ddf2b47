// What the two servers of bench:presence (presence-target.mjs, presence-reference.mjs)
// share: the wire settings under test, and the meter of each window the runner opens (CPU
// time, user and system; garbage collections and their pauses on the main thread; heap).
import { constants, PerformanceObserver } from 'node:perf_hooks';

/** SOCKET_PING_INTERVAL_SECONDS and SOCKET_PING_TIMEOUT_SECONDS when set (ADR 27; default 25 s and 20 s). */
export function pingSettings() {
  const names = ['SOCKET_PING_INTERVAL_SECONDS', 'SOCKET_PING_TIMEOUT_SECONDS'];
  return Object.fromEntries(names.filter((name) => process.env[name]).map((name) => [name, process.env[name]]));
}

const GC_KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

export function windowMeter() {
  let cpuAtOpen = process.cpuUsage();
  let openedAt = performance.now();
  let gc = {};
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = GC_KINDS[entry.detail?.kind] ?? 'other';
      const counted = (gc[kind] ??= { count: 0, ms: 0 });
      counted.count += 1;
      counted.ms += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    open() {
      gc = {};
      cpuAtOpen = process.cpuUsage();
      openedAt = performance.now();
    },
    /** The runner's `cpu` message for the window just closed. */
    close() {
      const used = process.cpuUsage(cpuAtOpen);
      return {
        type: 'cpu',
        ms: (used.user + used.system) / 1000,
        userMs: used.user / 1000,
        systemMs: used.system / 1000,
        wallMs: performance.now() - openedAt,
        gc,
        heapMb: process.memoryUsage().heapUsed / 2 ** 20,
      };
    },
  };
}
