/**
 * Preloaded into a pgindex CLI child (`node --import dist/bench/marks-probe.js ...`) to report where
 * its setup went: at exit it writes to the file named by PGINDEX_BENCH_MARKS_FILE the process's
 * start (performance.timeOrigin, epoch ms), every performance mark the run command left on the way
 * (`pgindex:…`) and the moment its first `start` event reached stdout (--json), each with the
 * process's CPU time then (user + system, every thread: on a shared machine less noisy than wall
 * time). A build without marks reports the start and the first statement alone.
 */
import { writeFileSync } from 'node:fs';

interface Point {
  name: string;
  /** ms since the process started. */
  ms: number;
  /** CPU ms of the process so far. */
  cpuMs: number;
}

const out = process.env.PGINDEX_BENCH_MARKS_FILE;
if (out) {
  const points: Point[] = [];
  const point = (name: string) => {
    const cpu = process.cpuUsage();
    points.push({ name, ms: performance.now(), cpuMs: (cpu.user + cpu.system) / 1000 });
  };
  point('preload ran (node bootstrapped)');
  const mark = performance.mark.bind(performance);
  performance.mark = (name: string, options?: Parameters<typeof performance.mark>[1]) => {
    point(name);
    return mark(name, options);
  };
  const write = process.stdout.write.bind(process.stdout) as (chunk: unknown, ...rest: unknown[]) => boolean;
  let started = false;
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (!started && String(chunk).includes('"type":"start"')) {
      started = true;
      point('FIRST STATEMENT (start event written)');
    }
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;
  process.on('exit', () => {
    writeFileSync(out, JSON.stringify({ timeOrigin: performance.timeOrigin, points }));
  });
}
