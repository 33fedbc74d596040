// Child role: a working runner with the upload tasks (config from the IFQUEUE_* environment), sampling its
// own RSS so the parent can read the growth while one job runs. argv: <databaseUrl>
import pg from 'pg';
import { heard, tell } from '../lib/child.ts';
import { Runner } from '../../../src/runner/runner.ts';
import { loadTasksConfig } from '../../../src/tasks/config.ts';
import { uploadTasks } from '../../../src/tasks/uploads/index.ts';

const url = process.argv[2];
const pool = new pg.Pool({ connectionString: url, max: 4 });
const runner = new Runner({ databaseUrl: url, tasks: uploadTasks({ pool, config: loadTasksConfig() }), work: true });
await runner.start();
let baseline = process.memoryUsage().rss;
let peak = baseline;
setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10).unref();
process.on('message', (m: { type: string }) => {
  if (m.type === 'rss-reset') {
    global.gc?.();
    baseline = peak = process.memoryUsage().rss;
    tell({ type: 'rss-ready', baselineMB: baseline / 2 ** 20 });
  }
  if (m.type === 'rss-report') tell({ type: 'rss', baselineMB: baseline / 2 ** 20, peakMB: peak / 2 ** 20, growthMB: (peak - baseline) / 2 ** 20 });
});
tell({ type: 'ready' });
await heard('stop');
await runner.stop({ timeoutMs: 5000 });
await pool.end();
process.exit(0);
