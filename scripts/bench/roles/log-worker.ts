// Child role: a working runner with the P3 log task (per-attempt line cap raised so the burst is not cut).
// argv: <databaseUrl>
import { heard, tell } from '../lib/child.ts';
import { Runner } from '../../../src/runner/runner.ts';
import { logTask } from '../lib/log-task.ts';

const runner = new Runner({ databaseUrl: process.argv[2], tasks: [logTask], work: true, maxLogLinesPerAttempt: 100_000 });
await runner.start();
tell({ type: 'ready' });
await heard('stop');
await runner.stop({ timeoutMs: 5000 });
process.exit(0);
