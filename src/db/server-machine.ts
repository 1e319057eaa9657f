/**
 * Whether the server runs on the machine pgindex runs on, and then that machine's CPU count: the
 * cores a run may keep busy (leaders plus parallel workers). The server's max_parallel_workers is no
 * such count: servers are often configured with 8 on 2 cores.
 *
 * Local means a Unix socket, a loopback address (localhost, 127.0.0.0/8, ::1), or an address of one
 * of this machine's own network interfaces. Where that is wrong (a server in a container limited to
 * fewer CPUs, a loopback port forwarded to another machine), `cores:` in the plan lowers the count.
 */
import { availableParallelism, networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import type pg from 'pg';

/** The machine the server runs on, when pgindex runs there too. */
export interface MachineFacts {
  cores: number;
}

function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

function isOwnAddress(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (isIP(h) === 0) return false;
  return Object.values(networkInterfaces()).some((list) => (list ?? []).some((a) => a.address.toLowerCase() === h));
}

/** The connection reaches a server on this machine. */
export function serverIsLocal(config: Pick<pg.ClientConfig, 'host'>): boolean {
  const host = config.host ?? 'localhost';
  return host.startsWith('/') || isLoopback(host) || isOwnAddress(host);
}

/** This machine's facts when the connection reaches a server on it; null otherwise. */
export function serverMachine(config: Pick<pg.ClientConfig, 'host'>, cores: () => number = availableParallelism): MachineFacts | null {
  return serverIsLocal(config) ? { cores: Math.max(1, cores()) } : null;
}
