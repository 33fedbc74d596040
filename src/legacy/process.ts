// Facts about a process from /proc: is it there, what is its command line, when did it start.
// The pid file can hold a pid that now belongs to another program, so nothing is signalled on a pid alone.
import { readFile } from 'node:fs/promises';
import { WORKER_MARKER } from './options.ts';

/** The argument vector of a live process, or null when there is no such process (or it is a zombie). */
export async function processCmdline(pid: number): Promise<string[] | null> {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    if (statFields(stat)[0] === 'Z') return null;
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((a) => a.length > 0);
  } catch {
    return null;
  }
}

export function isWorkerCmdline(argv: string[]): boolean {
  return argv.some((a) => a === WORKER_MARKER || a.endsWith(`/${WORKER_MARKER}`));
}

/** Fields after the command name in /proc/<pid>/stat (index 0 is the state, 19 the start time in ticks). */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

// The kernel reports /proc times in USER_HZ, which is 100 on every Linux architecture ifqueue runs on.
const USER_HZ = 100;

/** When the process started (wall clock), or null when unknown. */
export async function processStartTime(pid: number): Promise<Date | null> {
  try {
    const [stat, procStat] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile('/proc/stat', 'utf8')]);
    const ticks = Number(statFields(stat)[19]);
    const btime = Number(/^btime (\d+)$/m.exec(procStat)?.[1]);
    if (!Number.isFinite(ticks) || !Number.isFinite(btime)) return null;
    return new Date((btime + ticks / USER_HZ) * 1000);
  } catch {
    return null;
  }
}

export async function isAlive(pid: number): Promise<boolean> {
  return (await processCmdline(pid)) !== null;
}
