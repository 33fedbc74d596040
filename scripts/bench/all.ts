// Runs every benchmark in turn, each in its own process (a failing one does not stop the rest).
// Flags are passed through, e.g. `npm run bench -- --quick`.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const BENCHMARKS = ['p1-latency', 'p2-throughput', 'p2b-enqueue', 'p3-log-follow', 'p4-dashboard-scale', 'p5-idle', 'p6-large-files'];

const failed: string[] = [];
for (const name of BENCHMARKS) {
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, `${name}.ts`), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.status !== 0) failed.push(`${name} (${r.signal ?? `exit ${r.status}`})`);
}
console.log(failed.length ? `\nfailed: ${failed.join(', ')}` : '\nall benchmarks ran; results in bench-results/');
process.exit(failed.length ? 1 : 0);
