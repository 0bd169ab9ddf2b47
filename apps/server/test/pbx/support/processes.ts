/** Free loopback ports, bounded waits and stopping the programs the suite starts, by PID. */
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Where test ports are drawn from: above the test Asterisk's RTP range (20000–28199,
 * harness.ts) and below Linux's ephemeral ports (32768–60999 by default). A port is only
 * free when drawn, not held until its process binds it (the carrier's is bound minutes
 * later): in the ephemeral range any socket that binds no port of its own may take it
 * meanwhile (a CI run lost the carrier's port that way: SIPp "Address already in use").
 */
const UDP_TEST_PORTS = { first: 28_400, pairs: 2_180 };

/** A UDP port free now, with `span - 1` more free after it (SIPp's media uses pairs). */
export async function freeUdpPort(span = 1): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = UDP_TEST_PORTS.first + Math.floor(Math.random() * UDP_TEST_PORTS.pairs) * 2;
    const ports = Array.from({ length: span }, (_, index) => base + index);
    if ((await Promise.all(ports.map(isUdpPortFree))).every(Boolean)) return base;
  }
  throw new Error('no free UDP port on 127.0.0.1');
}

function isUdpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

/** Polls `condition` until it holds; throws after `timeoutMs` so no test waits forever. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Signals the process and waits for it to exit; SIGKILL if it is still there after `graceMs`. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
