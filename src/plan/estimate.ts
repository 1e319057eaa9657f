/**
 * Rough, relative build estimates: inputs of the scheduler (largest first) and of the JSON output, not
 * promises. cost = pages read × a per-method factor; the factors say how much work a method does per
 * page of table compared with btree:
 *   btree 1 (one sort), hash 1.2 (no sort, but bucket splits and random writes), brin 0.2 (one pass,
 *   tiny output), gin 3 (extracts entries, merges posting lists), gist 4 (inserts tuple by tuple with
 *   penalty calls unless sorted build applies), spgist 2, bloom 1.5; anything else 2.
 */
import type { ColumnInfo, TableInfo } from '../catalog/types.js';

export const METHOD_COST_FACTOR: Readonly<Record<string, number>> = Object.freeze({
  btree: 1,
  hash: 1.2,
  brin: 0.2,
  gin: 3,
  gist: 4,
  spgist: 2,
  bloom: 1.5,
});

const PAGE = 8192;
/** Index tuple header (8) plus line pointer (4), before alignment. */
const TUPLE_OVERHEAD = 12;
/** Width assumed for a column without statistics. */
const UNKNOWN_WIDTH = 8;

export interface Estimate {
  pages: number;
  cost: number;
  sizeBytes: number;
}

export const ZERO_ESTIMATE: Readonly<Estimate> = Object.freeze({ pages: 0, cost: 0, sizeBytes: 0 });

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/** Estimated size of one index of `method` on `column` over `rows` rows in `pages` pages. */
export function estimateSize(method: string, column: ColumnInfo | undefined, rows: number, pages: number): number {
  const width = column?.stats?.avgWidth ?? UNKNOWN_WIDTH;
  const nonNull = rows * (1 - (column?.stats?.nullFrac ?? 0));
  let bytes: number;
  switch (method) {
    case 'brin':
      // One summary tuple (min and max) per 128 pages, plus the metapage and the range map.
      bytes = 2 * PAGE + Math.ceil(pages / 128) * (2 * width + 16);
      break;
    case 'hash':
      // Only the 4-byte hash code is stored; buckets are kept about 75% full.
      bytes = (rows * align8(TUPLE_OVERHEAD + 4)) / 0.75;
      break;
    case 'gin':
      // Posting lists compress repeated keys; a third of one entry per row is a fair middle.
      bytes = (nonNull * (align8(TUPLE_OVERHEAD + width) / 3));
      break;
    case 'gist':
    case 'spgist':
      bytes = (nonNull * align8(TUPLE_OVERHEAD + width)) / 0.8;
      break;
    default:
      // btree (and anything unknown): leaf pages filled to the default fillfactor of 90%.
      bytes = (rows * align8(TUPLE_OVERHEAD + width)) / 0.9;
  }
  return Math.max(PAGE, Math.round(bytes / PAGE) * PAGE);
}

/** Relative cost of building an index of `method` over `pages` pages of table. */
export function buildCost(method: string, pages: number): number {
  const factor = METHOD_COST_FACTOR[method] ?? 2;
  return Math.round(Math.max(0, pages) * factor * 100) / 100;
}

/** Estimate for building one index on one (non-partitioned) table. */
export function estimateBuild(method: string, table: TableInfo, columnName: string): Estimate {
  const pages = Math.max(0, table.relpages);
  const rows = Math.max(0, table.reltuples);
  const column = table.columns.find((c) => c.name === columnName);
  // Citus: the shards are built in parallel on their nodes, so the busiest node's pages take longest.
  const costPages = table.citus?.nodes[0]?.pages ?? pages;
  return { pages, cost: buildCost(method, costPages), sizeBytes: estimateSize(method, column, rows, pages) };
}

export function sumEstimates(list: Estimate[]): Estimate {
  return list.reduce((a, b) => ({ pages: a.pages + b.pages, cost: Math.round((a.cost + b.cost) * 100) / 100, sizeBytes: a.sizeBytes + b.sizeBytes }), {
    ...ZERO_ESTIMATE,
  });
}
