/**
 * Run settings, in one place: how they follow from the server's facts and the user's choices (plan
 * file or `run` flags), and the SET statements that put them on a session. Pure.
 *
 * The same statements serve the dry-run script's header, every session of a run, and the budget SET
 * of each build, so what the script shows is what apply sends.
 */
import { quoteLiteral } from '../sql/quote.js';
import { durationSetting, sizeSetting } from '../pg/settings.js';
import type { RunSettings } from './types.js';
import type { MachineFacts } from '../db/server-machine.js';

export type { MachineFacts };

/** Default total maintenance_work_mem budget when the plan (or `run`) names none. */
export const DEFAULT_MAINTENANCE_WORK_MEM = 1024 ** 3;

const MB = 1024 * 1024;

/**
 * The most maintenance_work_mem one build of an access method is given, whatever the plan's total:
 * more made builds slower, not faster (issue 13, PostgreSQL 15, 2 million rows, one build alone):
 * GIN on jsonb took 8.6 s at 32MB, 10.2 s at 128MB and 13.8 s at 512MB (GIN gathers entries up to the
 * limit before it flushes them, and a larger batch is slower to merge); btree on md5 text 2.8 s at
 * 16MB, 3.7 s at 256MB and 3.6 s at 1GB with no worker, 1.8 s at 64MB against 2.1 s at 1GB with one.
 * GIN gets 16MB: on the bench's data it was as fast as at 32MB or faster (src/cost/kinds.ts). GiST
 * and SP-GiST get 32MB (their builds insert tuples, memory only buffers them); BRIN summarises one range at a time. A btree (and hash, and anything else, which sort) gets
 * enough to sort its estimated index in memory, a sort tuple being about twice the index tuple, but
 * at most 128MB; its parallel workers are given 32MB each on top (buildBudget), as PostgreSQL
 * requires.
 */
export function buildMemoryCapBytes(method: string | null, estimatedIndexBytes: number): number {
  switch (method) {
    case 'gin':
      return 16 * MB;
    case 'gist':
    case 'spgist':
      return 32 * MB;
    case 'brin':
      return 16 * MB;
    default:
      return Math.min(128 * MB, Math.max(16 * MB, Math.ceil((2 * Math.max(0, estimatedIndexBytes)) / MB) * MB));
  }
}

/** The server settings the run settings depend on. */
export interface ServerFacts {
  maxParallelWorkers: number;
  maxWorkerProcesses: number;
}


/** Where a run's core count comes from. */
export type CoresSource = 'machine' | 'plan' | 'assumed';

/** What the user chose; null or absent where the server's facts decide. */
export interface SettingsChoices {
  parallelism: number;
  concurrently: boolean;
  maintenanceWorkMemBytes?: number | null;
  cores?: number | null;
  lockTimeoutMs: number;
  snapshotWaitTimeoutMs?: number | null;
  statementTimeoutMs: number;
  retries: number;
}

/**
 * The cores the builds and their workers may keep busy. On the server's own machine, its CPU count
 * (a plan's `cores:` may only lower it: other programs there need CPU too). Elsewhere the plan's
 * `cores:`; without one, as many as the run has sessions: every build one core, no parallel worker,
 * which never oversubscribes a server whose size pgindex cannot see. The server's
 * max_parallel_workers is not a core count (8 on a 2-core machine is common) and is not used.
 */
export function chooseCores(parallelism: number, planCores: number | null | undefined, machine: MachineFacts | null): { cores: number; coresFrom: CoresSource } {
  if (machine) {
    if (planCores && planCores < machine.cores) return { cores: planCores, coresFrom: 'plan' };
    return { cores: machine.cores, coresFrom: 'machine' };
  }
  if (planCores) return { cores: planCores, coresFrom: 'plan' };
  return { cores: Math.max(1, parallelism), coresFrom: 'assumed' };
}

export function deriveRunSettings(server: ServerFacts, choices: SettingsChoices, machine: MachineFacts | null = null): RunSettings {
  const { cores, coresFrom } = chooseCores(choices.parallelism, choices.cores, machine);
  return {
    parallelism: choices.parallelism,
    concurrently: choices.concurrently,
    maintenanceWorkMemBytes: choices.maintenanceWorkMemBytes ?? DEFAULT_MAINTENANCE_WORK_MEM,
    cores,
    coresFrom,
    // Workers come out of max_parallel_workers, itself out of max_worker_processes (less one for the
    // other background workers a server needs); a build and its workers fit in the cores.
    maxWorkersPerBuild: Math.max(0, Math.min(server.maxParallelWorkers, server.maxWorkerProcesses - 1, cores - 1)),
    lockTimeoutMs: choices.lockTimeoutMs,
    ...(choices.snapshotWaitTimeoutMs ? { snapshotWaitTimeoutMs: choices.snapshotWaitTimeoutMs } : {}),
    statementTimeoutMs: choices.statementTimeoutMs,
    retries: choices.retries,
  };
}

/** Session settings pgindex sets; each one present becomes one SET statement. */
export interface SessionSettings {
  lockTimeoutMs?: number;
  statementTimeoutMs?: number;
  maintenanceWorkMemBytes?: number;
  maxParallelMaintenanceWorkers?: number;
  /** PostgreSQL 14+: how often a running statement checks that its client is still there. */
  clientConnectionCheckIntervalMs?: number;
  /** Citus: connections (so shard builds) per worker node of one statement. */
  citusPoolSize?: number;
}

const ms = (v: number) => Math.max(0, Math.floor(v));

/**
 * One `SET name = value` per setting, in a fixed order, without a trailing semicolon: each is sent
 * as a query of its own (a query never carries two statements).
 */
export function sessionSettingsSql(s: SessionSettings): string[] {
  const out: string[] = [];
  if (s.lockTimeoutMs !== undefined) out.push(`SET lock_timeout = ${quoteLiteral(durationSetting(ms(s.lockTimeoutMs)))}`);
  if (s.statementTimeoutMs !== undefined) out.push(`SET statement_timeout = ${quoteLiteral(durationSetting(ms(s.statementTimeoutMs)))}`);
  if (s.maintenanceWorkMemBytes !== undefined) out.push(`SET maintenance_work_mem = ${quoteLiteral(sizeSetting(s.maintenanceWorkMemBytes))}`);
  if (s.maxParallelMaintenanceWorkers !== undefined) out.push(`SET max_parallel_maintenance_workers = ${Math.max(0, Math.floor(s.maxParallelMaintenanceWorkers))}`);
  if (s.clientConnectionCheckIntervalMs !== undefined) {
    out.push(`SET client_connection_check_interval = ${quoteLiteral(durationSetting(ms(s.clientConnectionCheckIntervalMs)))}`);
  }
  if (s.citusPoolSize !== undefined) out.push(`SET citus.max_adaptive_executor_pool_size = ${Math.max(1, Math.floor(s.citusPoolSize))}`);
  return out;
}
