/**
 * Turns a results file of `npm run bench` into the Markdown tables of bench/README-results.md:
 *
 *   node dist/bench/markdown.js .bench/results-<date>.json
 *
 * The explanations of missed targets are written by hand below the tables.
 */
import { readFileSync } from 'node:fs';
import type { Target } from './analysis.js';
import { othersCpu, seconds, type SetSummary } from './report.js';

interface Results {
  date: string;
  command: string;
  revision?: string | null;
  machine: { cpus: number; cpuModel: string; memoryBytes: number; loadavgAtEnd: number[]; node: string; postgres: string };
  serverSettings: Record<string, string>;
  dataset: { rows: number; tinyTables: number; tinyRows: number; wideTables: number; generationMs: number };
  options: { k: number; parallelism: number; cores: number };
  sets: SetSummary[];
  planning: { libraryMedianMs: number; cliRunsMs: number[]; cliMaxRssKb: number[] };
  cliApply: { large: { wallMs: number; maxRssKb: number }; tiny: { wallMs: number; maxRssKb: number } };
  targets: Target[];
  totalMs: number;
}

function ratio(a: number, b: number | undefined): string {
  return b === undefined || !Number.isFinite(b) || b === 0 ? '-' : (a / b).toFixed(2);
}

function setTable(set: Results['sets'][number]): string[] {
  const by = (id: string) => set.contenders.find((c) => c.id === id)?.medianMs;
  const lines = [
    `**${set.name}**: ${set.description}`,
    '',
    "| contender | median | runs (s) | ÷ (a) | ÷ (b) | ÷ lower bound | others' CPU |",
    '|---|---:|---|---:|---:|---:|---:|',
  ];
  for (const c of set.contenders) {
    lines.push(
      `| ${c.label}${c.failedStatements > 0 ? ' *' : ''} | ${seconds(c.medianMs)} | ${c.runsMs.map((ms) => (ms / 1000).toFixed(2)).join(', ')} | ` +
        `${ratio(c.medianMs, by(set.sequentialId))} | ${ratio(c.medianMs, by(set.naiveId))} | ${ratio(c.medianMs, set.lowerBound.ms)} | ` +
        `${othersCpu(c.foreignCpu ?? [])} |`,
    );
  }
  const lb = set.lowerBound;
  lines.push(
    '',
    `Lower bound ${seconds(lb.ms)} = max(longest single build ${seconds(lb.longestMs)} (its fastest in (a)), ` +
      `${seconds(lb.workMs * lb.cores)} of single-core build ${lb.workBasis === 'wall' ? 'time' : 'CPU time'} ÷ ${lb.cores} cores = ${seconds(lb.workMs)})` +
      (set.calibrationForeignCpu != null ? `; other programs used ${othersCpu([set.calibrationForeignCpu])} of the CPU during the single-core run.` : '.'),
  );
  for (const c of set.contenders.filter((x) => x.failedStatements > 0)) {
    lines.push('', `\\* ${c.label}: ${c.failedStatements} statements failed over ${c.runsMs.length} runs (${c.failures}), so it never built the whole set.`);
  }
  return lines;
}

export function renderMarkdown(r: Results): string {
  const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
  const lines = [
    `Run on ${r.date.slice(0, 10)}${r.revision ? ` at commit ${r.revision}` : ''}: \`${r.command}\` ` +
      `(k = ${r.options.k}, parallelism ${r.options.parallelism}, ${r.options.cores} cores assumed).`,
    '',
    `Machine: ${r.machine.cpus} CPUs (${r.machine.cpuModel}), ${(r.machine.memoryBytes / 2 ** 30).toFixed(0)} GiB of memory, ` +
      `Node ${r.machine.node}; ${r.machine.postgres.replace(/ on .*$/, '')}; load average at the end ${r.machine.loadavgAtEnd.map((l) => l.toFixed(2)).join(', ')}.`,
    '',
    `Server settings: ${Object.entries(r.serverSettings).map(([k, v]) => `${k}=${v}`).join(', ')} ` +
      '(plus fsync, synchronous_commit and full_page_writes off, as every throwaway server of the test harness).',
    '',
    ...r.sets.flatMap((s) => [...setTable(s), '']),
    `**pgindex itself**: planning ${r.dataset.wideTables} tables of 7 columns takes ${seconds(r.planning.libraryMedianMs)} in the library ` +
      `(preparePlan: load, connect, snapshot, build), and \`pgindex plan\` as a process ` +
      `${seconds([...r.planning.cliRunsMs].sort((a, b) => a - b)[Math.floor(r.planning.cliRunsMs.length / 2)] ?? NaN)}. ` +
      `Peak RSS: ${mb(Math.max(...r.planning.cliMaxRssKb))} planning, ${mb(r.cliApply.large.maxRssKb)} applying the large set, ` +
      `${mb(r.cliApply.tiny.maxRssKb)} applying the tiny builds.`,
    '',
    '| target (2 cores) | measured | limit | |',
    '|---|---:|---:|---|',
    ...r.targets.map((t) => {
      const fmt = (v: number) => (t.unit === 'ms' ? seconds(v) : t.unit === 'MB' ? `${v.toFixed(0)} MB` : `${v.toFixed(2)}×`);
      return `| ${t.name} | ${fmt(t.value)} | ${fmt(t.limit)} | ${t.verdict} |`;
    }),
    '',
  ];
  return lines.join('\n');
}

const file = process.argv[2];
if (file) {
  process.stdout.write(renderMarkdown(JSON.parse(readFileSync(file, 'utf8')) as Results));
} else {
  process.stderr.write('usage: node dist/bench/markdown.js .bench/results-<date>.json\n');
  process.exitCode = 1;
}
