// Child role: follows a job's log the way the dashboard does (runner.followLog) and measures each line's delay.
// argv: <databaseUrl> <paced> <burst>
import { heard, tell } from '../lib/child.ts';
import { Runner } from '../../../src/runner/runner.ts';
import { logTask, parseLine } from '../lib/log-task.ts';
import { wallMs } from '../lib/stats.ts';

const [url, pacedArg, burstArg] = process.argv.slice(2);
const paced = Number(pacedArg);
const total = paced + Number(burstArg);
const runner = new Runner({ databaseUrl: url, tasks: [logTask], work: false, kind: 'dashboard' });
await runner.start();
tell({ type: 'ready' });

const { jobId } = await heard<{ type: string; jobId: string }>('follow');
const pacedDelays: number[] = [];
const burstDelays: number[] = [];
let last = -1;
let outOfOrder = 0;
let duplicates = 0;
let markers = 0;
const seen = new Set<number>();
let finish: () => void;
const finished = new Promise<void>((r) => (finish = r));
const unsubscribe = await runner.followLog(jobId, (lines) => {
  const now = wallMs();
  for (const line of lines) {
    if (line.truncated) markers++;
    const parsed = parseLine(line.text);
    if (!parsed) continue;
    const [i, writtenAt] = parsed;
    if (seen.has(i)) duplicates++;
    seen.add(i);
    if (i !== last + 1) outOfOrder++;
    last = i;
    (i < paced ? pacedDelays : burstDelays).push(now - writtenAt);
  }
  if (seen.size >= total) finish();
});
tell({ type: 'following', at: wallMs() });
await Promise.race([finished, heard('give-up')]);
unsubscribe();
tell({ type: 'done', pacedDelays, burstDelays, received: seen.size, outOfOrder, duplicates, markers });
await heard('stop');
await runner.stop();
process.exit(0);
