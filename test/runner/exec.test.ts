// ctx.exec's child processes on abort and timeout: the whole process group gets SIGTERM, and SIGKILL
// 2 s later if it is still there (README, Retries and expiry). The children here trap SIGTERM.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExecError, runChild } from '../../src/runner/exec.ts';
import { waitFor } from '../helpers/wait.ts';

/** The grace between SIGTERM and SIGKILL the README promises. */
const KILL_GRACE_MS = 2000;
/** Slack for a busy machine on top of a promised time. */
const MARGIN_MS = 20_000;

let dir: string;
const leftovers: number[] = [];

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ifq-exec-'));
});

after(async () => {
  // a broken kill must not leave the test's children running
  for (const pid of leftovers) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {}
  }
  await rm(dir, { recursive: true, force: true });
});

/** True once a pid is gone or a zombie (an orphan reparented to a PID 1 that does not reap it). */
async function gone(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat === '' || stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z';
}

/**
 * Starts `sh -c script` through runChild; resolves once it printed "ready", with its pid (the group
 * leader), the pid of its background child, the lines it printed and the settled result.
 */
async function start(name: string, script: string, signal: AbortSignal, timeoutMs?: number) {
  const childPidFile = path.join(dir, `${name}.child`);
  const lines: string[] = [];
  const result = runChild('sh', ['-c', script.replaceAll('CHILD_PID_FILE', childPidFile)], (_stream, line) => lines.push(line), signal, timeoutMs ? { timeoutMs } : {}).then(
    () => ({ ok: true as const, error: null }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  await waitFor(`${name} to start`, () => lines.includes('ready'));
  const pid = Number(lines.find((l) => l.startsWith('pid '))!.slice(4));
  const childPid = Number(await readFile(childPidFile, 'utf8'));
  leftovers.push(pid);
  return { pid, childPid, lines, result };
}

/** Settles within the bound, or fails naming it (instead of hanging when nothing kills the group). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} not within ${ms} ms`)), ms))),
  ]);
}

// sh ignores SIGTERM, and so does its background sleep (an ignored signal stays ignored across exec).
const IGNORES_TERM = `trap '' TERM; sleep 600 & echo $! > CHILD_PID_FILE; echo "pid $$"; echo ready; wait; wait`;

describe('child processes of a task', () => {
  test('on abort, a group that ignores SIGTERM is killed with SIGKILL after the 2 s grace', async () => {
    const controller = new AbortController();
    const child = await start('abort', IGNORES_TERM, controller.signal);
    const abortedAt = Date.now();
    controller.abort(new Error('job cancelled'));
    const { ok, error } = await within(child.result, KILL_GRACE_MS + MARGIN_MS, 'the exec to end after the abort');
    const tookMs = Date.now() - abortedAt;
    assert.equal(ok, false);
    assert.ok(error instanceof ExecError);
    assert.match((error as Error).message, /^sh killed: job aborted$/);
    assert.ok(tookMs >= KILL_GRACE_MS - 100, `SIGTERM alone did not end it; SIGKILL came after the grace (${tookMs} ms)`);
    await waitFor('the leader to be gone', () => gone(child.pid), { timeoutMs: 5000 });
    await waitFor('its background child to be gone', () => gone(child.childPid), { timeoutMs: 5000 });
  });

  test('at its timeout, a group that ignores SIGTERM is killed the same way', async () => {
    const child = await start('timeout', IGNORES_TERM, new AbortController().signal, 300);
    const { ok, error } = await within(child.result, 300 + KILL_GRACE_MS + MARGIN_MS, 'the exec to end after its timeout');
    assert.equal(ok, false);
    assert.match((error as Error).message, /^sh ran past its 300 ms timeout and was killed$/);
    await waitFor('the leader to be gone', () => gone(child.pid), { timeoutMs: 5000 });
    await waitFor('its background child to be gone', () => gone(child.childPid), { timeoutMs: 5000 });
  });

  test('a child that handles SIGTERM gets its grace to clean up, and its output is kept', async () => {
    const controller = new AbortController();
    const script = `trap 'echo cleaning up; kill $!; exit 3' TERM; sleep 600 & echo $! > CHILD_PID_FILE; echo "pid $$"; echo ready; wait`;
    const child = await start('graceful', script, controller.signal);
    controller.abort(new Error('job cancelled'));
    const { ok, error } = await within(child.result, KILL_GRACE_MS + MARGIN_MS, 'the exec to end after the abort');
    assert.equal(ok, false);
    assert.match((error as Error).message, /killed: job aborted/);
    assert.ok(child.lines.includes('cleaning up'), `its SIGTERM handler ran (${JSON.stringify(child.lines)})`);
    await waitFor('the leader to be gone', () => gone(child.pid), { timeoutMs: 5000 });
    await waitFor('its background child to be gone', () => gone(child.childPid), { timeoutMs: 5000 });
  });
});
