/**
 * `pgindex calibrate`: index builds on samples, timed, fitted per build kind (fit.ts) and cached per
 * server (cache.ts). The I/O around the pure model.
 *
 * Samples are TEMPORARY tables, so that calibrating writes nothing another session sees: with a plan,
 * a TABLESAMPLE copy of the smallest planned table of each kind (whole rows: the model's pages are
 * the table's); without one, generated rows for the common kinds (btree on integers and text, GIN on
 * jsonb and arrays, BRIN). Each kind is built once to warm the caches, then on two sample sizes (to
 * tell the fixed part from the part per page) at three memories. PostgreSQL gives builds on temporary
 * tables no parallel worker, so the worker exponent stays the default's: calibration says so.
 */
import type pg from 'pg';
import { performance } from 'node:perf_hooks';
import { takeSnapshot } from '../catalog/snapshot.js';
import { chooseConnection, clientConfig, connect, describeSource, describeTarget, type ConnectionFlags } from '../db/connection.js';
import { queryRows } from '../db/rows.js';
import { sizeSetting } from '../pg/settings.js';
import { buildPlan } from '../plan/build.js';
import type { PlanFile } from '../planfile/types.js';
import { quoteIdent, quoteLiteral, quoteQualified } from '../sql/quote.js';
import { qualifiedKey } from '../sql/qualified.js';
import { isIndexBuild } from './budget.js';
import { cacheDir, serverIdentity, writeModel } from './cache.js';
import { fitCurve, type Measured } from './fit.js';
import { CALIBRATION_MEMORIES } from './model.js';
import { defaultCurve, kindKey, type BuildKind, type KindCurve } from './kinds.js';
import { stepKind } from './plan-builds.js';

export const DEFAULT_SAMPLE_PAGES = 1000;

/** One kind to calibrate: rows to sample and the key to build on. */
export interface CalibrationTarget {
  kind: BuildKind;
  /** Where the rows come from, for the output. */
  from: string;
  /** A SELECT of the sample's rows. */
  rowsSql: string;
  /** The index key: a column, with the operator class when there is one. */
  keySql: string;
}

export interface CalibratedKind extends KindCurve {
  from: string;
  measured: Measured[];
  /** Workers could not be measured (temporary tables): the exponent is the default's. */
  workersMeasured: boolean;
}

export interface CalibrationResult {
  server: { systemIdentifier: string; versionNum: number };
  cacheFile: string;
  calibratedAt: string;
  kinds: CalibratedKind[];
  /** Kinds that could not be calibrated, and why (an operator class of another schema…). */
  skipped: { kind: string; reason: string }[];
}

export interface CalibrateOptions {
  dbFlag?: string | undefined;
  connectionFlags?: ConnectionFlags | undefined;
  env: NodeJS.ProcessEnv;
  /** With a plan: the kinds of its builds, sampled from its smallest tables. */
  plan?: PlanFile | undefined;
  cacheDir?: string | undefined;
  samplePages?: number;
  log: (message: string) => void;
  /** The clock, for the calibration's date. */
  now?: () => Date;
}

const keyOf = (column: string, opclass: string) => `${quoteIdent(column)}${opclass ? ` ${quoteIdent(opclass)}` : ''}`;

/** Generated rows: about 100 a page, like the benchmark's tables. */
function generatedTargets(major: number, samplePages: number): CalibrationTarget[] {
  const rows = Math.max(1000, samplePages * 100);
  const rowsSql =
    `SELECT g::int8 AS id, md5(g::text) AS label, ` +
    `jsonb_build_object('session', md5((g % 1000)::text), 'ms', g % 5000, 'tags', jsonb_build_array('a' || g % 7, 'b' || g % 5)) AS doc, ` +
    `ARRAY['a' || g % 7, 'b' || g % 5, 'c' || g % 11] AS tags FROM generate_series(1, ${rows}) AS g`;
  const t = (method: string, opclass: string, column: string): CalibrationTarget => ({
    kind: { method, opclass, major },
    from: `${rows.toLocaleString('en-US')} generated rows`,
    rowsSql,
    keySql: keyOf(column, opclass),
  });
  return [t('btree', 'int8_ops', 'id'), t('btree', 'text_ops', 'label'), t('gin', 'jsonb_ops', 'doc'), t('gin', 'array_ops', 'tags'), t('brin', 'int8_minmax_ops', 'id')];
}

/** The kinds of the plan's builds, each on a sample of its smallest table (plain column keys only). */
async function planTargets(client: pg.Client, plan: PlanFile, samplePages: number): Promise<CalibrationTarget[]> {
  const snapshot = await takeSnapshot(client, plan);
  const built = buildPlan(plan, snapshot);
  const tables = new Map(snapshot.tables.map((t) => [qualifiedKey(t), t]));
  const best = new Map<string, { target: CalibrationTarget; pages: number }>();
  for (const step of built.steps) {
    const column = step.columns[0];
    if (!isIndexBuild(step) || !step.table || step.columns.length !== 1 || !column || column.startsWith('(')) continue;
    const table = tables.get(qualifiedKey(step.table));
    if (!table || table.kind !== 'table') continue;
    const kind = stepKind(step, snapshot, tables);
    const pages = Math.max(1, table.relpages);
    const k = kindKey(kind);
    if ((best.get(k)?.pages ?? Number.POSITIVE_INFINITY) <= pages) continue;
    const percent = Math.min(100, (100 * samplePages) / pages);
    best.set(k, {
      pages,
      target: {
        kind,
        from: `${percent >= 100 ? 'all' : `a ${percent.toPrecision(3)}% sample`} of ${quoteQualified(table)}`,
        rowsSql: `SELECT * FROM ${quoteQualified(table)}${percent >= 100 ? '' : ` TABLESAMPLE SYSTEM (${percent.toPrecision(6)}) REPEATABLE (13)`}`,
        keySql: keyOf(column, kind.opclass),
      },
    });
  }
  return [...best.values()].map((b) => b.target);
}

async function pagesOf(client: pg.Client, table: string): Promise<number> {
  const [row] = await queryRows<{ p: string }>(client, `SELECT pg_relation_size(${quoteLiteral(table)}::regclass) / 8192 AS p`);
  return Number(row?.p ?? 0);
}

/** One timed build, the index dropped after it. */
async function timedBuild(client: pg.Client, table: string, target: CalibrationTarget, memoryBytes: number): Promise<number> {
  await queryRows(client, `SET maintenance_work_mem = ${quoteLiteral(sizeSetting(memoryBytes))}`);
  const sql = `CREATE INDEX pgindex_calibration_idx ON ${table} USING ${quoteIdent(target.kind.method)} (${target.keySql})`;
  const started = performance.now();
  await queryRows(client, sql);
  const seconds = (performance.now() - started) / 1000;
  await queryRows(client, `DROP INDEX pg_temp.pgindex_calibration_idx`);
  return seconds;
}

async function calibrateKind(client: pg.Client, target: CalibrationTarget): Promise<CalibratedKind> {
  const big = 'pg_temp.pgindex_calibration_big';
  const small = 'pg_temp.pgindex_calibration_small';
  await queryRows(client, `DROP TABLE IF EXISTS ${big}, ${small}`);
  await queryRows(client, `CREATE TEMPORARY TABLE pgindex_calibration_big AS ${target.rowsSql}`);
  const [count] = await queryRows<{ n: string }>(client, `SELECT count(*) AS n FROM ${big}`);
  await queryRows(client, `CREATE TEMPORARY TABLE pgindex_calibration_small AS SELECT * FROM ${big} LIMIT ${Math.max(1, Math.floor(Number(count?.n ?? 0) / 2))}`);
  try {
    // A first build reads the sample into the buffers; its time is not a point.
    await timedBuild(client, big, target, CALIBRATION_MEMORIES[0] as number);
    const measured: Measured[] = [];
    for (const table of [small, big]) {
      const pages = await pagesOf(client, table);
      for (const memoryBytes of CALIBRATION_MEMORIES) measured.push({ pages, memoryBytes, workers: 0, seconds: await timedBuild(client, table, target, memoryBytes) });
    }
    const { rmsSeconds, ...curve } = fitCurve(measured, defaultCurve(target.kind.method));
    return { kind: target.kind, curve, points: measured.length, rmsSeconds, from: target.from, measured, workersMeasured: false };
  } finally {
    await queryRows(client, `DROP TABLE IF EXISTS ${big}, ${small}`);
  }
}

export async function calibrate(opts: CalibrateOptions): Promise<CalibrationResult> {
  const target = chooseConnection({ flag: opts.dbFlag, flags: opts.connectionFlags, env: opts.env, plan: opts.plan?.connection });
  const connection = clientConfig(target, 'pgindex calibrate');
  const client = await connect(connection);
  try {
    opts.log(`connected to ${describeTarget(connection)} (from ${describeSource(target)})`);
    const id = await serverIdentity(client);
    // Builds on temporary tables: nothing to wait for, and no parallel worker either way.
    await queryRows(client, `SET max_parallel_maintenance_workers = 0`);
    await queryRows(client, `SET statement_timeout = 0`);
    const samplePages = opts.samplePages ?? DEFAULT_SAMPLE_PAGES;
    const major = Math.floor(id.versionNum / 10000);
    const targets = opts.plan ? await planTargets(client, opts.plan, samplePages) : generatedTargets(major, samplePages);
    const kinds: CalibratedKind[] = [];
    const skipped: CalibrationResult['skipped'] = [];
    for (const t of targets) {
      opts.log(`calibrating ${kindKey(t.kind)} on ${t.from}`);
      try {
        kinds.push(await calibrateKind(client, t));
      } catch (err) {
        // A kind that cannot be built on a sample (an operator class outside the search_path…) keeps its default.
        skipped.push({ kind: kindKey(t.kind), reason: (err as Error).message });
      }
    }
    const calibratedAt = (opts.now ?? (() => new Date()))().toISOString();
    const cacheFile = await writeModel(
      cacheDir(opts.env, opts.cacheDir),
      id,
      kinds.map(({ kind, curve, points, rmsSeconds }) => ({ kind, curve, points, rmsSeconds })),
      calibratedAt,
    );
    return { server: id, cacheFile, calibratedAt, kinds, skipped };
  } finally {
    await client.end().catch(() => undefined);
  }
}
