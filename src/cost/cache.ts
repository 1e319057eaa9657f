/**
 * The calibration cache: one JSON file per server, named by its system identifier (pg_control_system)
 * and version number, in XDG_CACHE_HOME/pgindex (~/.cache/pgindex without it) or a directory given.
 * `pgindex calibrate` writes it; planning reads it when present. A file that cannot be read or does
 * not hold a model is no model: planning goes on with the defaults and says so.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { homedir } from 'node:os';
import type { Queryable } from '../db/rows.js';
import { queryRows } from '../db/rows.js';
import { DEFAULT_MODEL, type CostModel, type KindCurve } from './kinds.js';

/** What names a server's cache file. */
export interface ServerIdentity {
  /** pg_control_system()'s system identifier; where the role may not call it, the server's address. */
  systemIdentifier: string;
  versionNum: number;
}

export const CACHE_VERSION = 1;

export function cacheDir(env: NodeJS.ProcessEnv, given?: string): string {
  if (given) return given;
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && xdg.startsWith('/') ? xdg : join(env.HOME || homedir(), '.cache'), 'pgindex');
}

export function cacheFile(dir: string, id: ServerIdentity): string {
  return join(dir, `${id.systemIdentifier.replace(/[^A-Za-z0-9_.-]/g, '_')}-${id.versionNum}.json`);
}

/**
 * The server's identity. pg_control_system() is for superusers and pg_monitor's members only by
 * default (it reads pg_control): others are known by the address and port the server answers on.
 */
export async function serverIdentity(client: Queryable): Promise<ServerIdentity> {
  const [v] = await queryRows<{ n: string }>(client, `SELECT current_setting('server_version_num') AS n`);
  const versionNum = Number(v?.n ?? 0);
  const [priv] = await queryRows<{ ok: boolean }>(client, `SELECT has_function_privilege('pg_control_system()', 'EXECUTE') AS ok`);
  if (priv?.ok) {
    const [row] = await queryRows<{ id: string }>(client, `SELECT system_identifier::text AS id FROM pg_control_system()`);
    if (row?.id) return { systemIdentifier: row.id, versionNum };
  }
  const [addr] = await queryRows<{ a: string | null; p: number | null }>(client, `SELECT host(inet_server_addr()) AS a, inet_server_port() AS p`);
  return { systemIdentifier: `addr-${addr?.a ?? 'socket'}-${addr?.p ?? 0}`, versionNum };
}

interface CacheDoc {
  version: typeof CACHE_VERSION;
  server: { systemIdentifier: string; versionNum: number };
  calibratedAt: string;
  curves: KindCurve[];
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

function validCurve(c: unknown): c is KindCurve {
  if (typeof c !== 'object' || c === null) return false;
  const k = c as Partial<KindCurve>;
  const cv = k.curve;
  return (
    typeof k.kind?.method === 'string' &&
    typeof k.kind.opclass === 'string' &&
    isNum(k.kind.major) &&
    cv !== undefined &&
    [cv.a, cv.b, cv.d, cv.e, cv.memLo, cv.memHi].every(isNum) &&
    typeof cv.sortsInMemory === 'boolean' &&
    isNum(k.points) &&
    isNum(k.rmsSeconds)
  );
}

/** The model cached for this server, or null (no file); a file that is not one throws, saying why. */
export async function readModel(dir: string, id: ServerIdentity): Promise<CostModel | null> {
  const file = cacheFile(dir, id);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read the calibration cache ${file}: ${(err as Error).message}`, { cause: err });
  }
  let doc: Partial<CacheDoc>;
  try {
    doc = JSON.parse(text) as Partial<CacheDoc>;
  } catch (err) {
    throw new Error(`the calibration cache ${file} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  if (doc.version !== CACHE_VERSION || !Array.isArray(doc.curves) || !doc.curves.every(validCurve) || typeof doc.calibratedAt !== 'string') {
    throw new Error(`the calibration cache ${file} is not a pgindex ${CACHE_VERSION} cache: run pgindex calibrate again`);
  }
  if (doc.server?.systemIdentifier !== id.systemIdentifier || doc.server.versionNum !== id.versionNum) {
    throw new Error(`the calibration cache ${file} is another server's: run pgindex calibrate again`);
  }
  return { source: 'calibrated', server: { ...id }, calibratedAt: doc.calibratedAt, curves: doc.curves };
}

/** Writes the model (replacing the server's file at once: a reader never sees half of it). */
export async function writeModel(dir: string, id: ServerIdentity, curves: KindCurve[], calibratedAt: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = cacheFile(dir, id);
  const doc: CacheDoc = { version: CACHE_VERSION, server: { ...id }, calibratedAt, curves };
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(doc, null, 2) + '\n');
  await rename(tmp, file);
  return file;
}

/**
 * The model planning prices builds with: the server's calibration when its cache file is there,
 * else the defaults. A cache that cannot be used is said in `log`, never an error: the plan is the
 * same but for the predictions.
 */
export async function modelForServer(client: Queryable, env: NodeJS.ProcessEnv, log: (message: string) => void, dir?: string): Promise<CostModel> {
  try {
    return (await readModel(cacheDir(env, dir), await serverIdentity(client))) ?? DEFAULT_MODEL;
  } catch (err) {
    log(`${(err as Error).message}; the default cost model prices the builds`);
    return DEFAULT_MODEL;
  }
}
