// Hostile terminal strings (CSI, OSC 52 clipboard writes, OSC 8 links, titles, DCS, \r, backspace,
// BEL, bidi overrides, C1 controls) in a job's name, arguments, log lines and error, stored through
// PostgreSQL and shown by every text surface: `ifqueue job --follow`, `job`, `jobs`, the daemon's
// event lines, and the dashboard on a real runner. None may reach the terminal as a control.
// (The dashboard's layout with hostile text on its fake runner is test/ui/hostile-strings.test.ts.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { Runner } from '../../src/runner/runner.ts';
import { abortableSleep } from '../../src/runner/sleep.ts';
import { defineTask } from '../../src/runner/task.ts';
import { sanitizeLine, sanitizeLines } from '../../src/text/terminal.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { Children, type Child } from '../fault/harness/children.ts';
import { waitFor } from '../fault/harness/common.ts';
import { KEY, mount } from '../ui/harness.ts';
import type { FakeRunner } from '../ui/fake-runner.ts';

export const CORPUS: Record<string, string> = {
  csi: 'A\u001b[2J\u001b[H\u001b[38;5;196mred\u001b[0m\u001b[1A\u001b[?1049h\u001b[6n',
  csi8bit: 'B\u009b2J\u009b38;5;196m',
  osc52bel: 'C\u001b]52;c;cm0gLXJmIH4=\u0007',
  osc52st: 'D\u001b]52;c;cm0gLXJmIH4=\u001b\\',
  osc8: 'E\u001b]8;;https://evil.example/\u001b\\click\u001b]8;;\u001b\\',
  title: 'F\u001b]0;pwned\u0007',
  dcs: 'G\u001bP+q544e\u001b\\',
  unterminated: 'H\u001b]52;c;AAAA',
  carriageReturn: 'I safe\rEVIL',
  backspace: 'J abc\b\b\bXYZ',
  bell: 'K\u0007\u0007',
  bidi: 'L \u202eevil\u202c \u2066iso\u2069 \u2067x\u2069 \u200f',
  nul: 'M\u0000x',
  c1: 'N\u0085\u008d\u0090\u009d\u009c',
};
/** PostgreSQL text and jsonb cannot hold NUL: names and arguments carry everything else. */
const WITHOUT_NUL = Object.entries(CORPUS).filter(([k]) => k !== 'nul').map(([, v]) => v).join(' ');

// Anything that could act on a terminal besides line feeds and tabs: C0/C1 controls, DEL, bidi controls.
// eslint-disable-next-line no-control-regex
const DANGEROUS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
// Ink styles with SGR only; after removing SGR nothing escape-like may remain.
// eslint-disable-next-line no-control-regex
const INK_SGR = /\u001b\[[0-9;]*m/g;

/** What in `output` could act on a terminal (empty when nothing). */
function hazards(output: string): string[] {
  const found: string[] = [];
  for (const m of output.matchAll(new RegExp(DANGEROUS.source, 'g'))) {
    found.push(`U+${m[0].codePointAt(0)!.toString(16).padStart(4, '0')} near ${JSON.stringify(output.slice(Math.max(0, m.index - 20), m.index + 20))}`);
  }
  for (const sequence of [']52;', ']8;', ']0;', 'P+q']) if (output.includes(`\u001b${sequence}`)) found.push(`ESC ${sequence} sequence`);
  return found;
}

function assertHarmless(label: string, output: string) {
  const found = hazards(output);
  assert.deepEqual(found, [], `${label}: ${found.length} hazard(s): ${found.slice(0, 5).join('; ')}`);
}

let db: TestDatabase;
let runner: Runner;
let dir: string;
const children = new Children();

const hostileTask = defineTask({
  name: 'hostile-echo',
  description: 'Logs the hostile corpus once its gate file exists, then fails with it',
  schema: z.object({ text: z.string(), gate: z.string() }).strict(),
  retry: { retries: 0 },
  async handler({ gate }, ctx) {
    ctx.log.info('waiting for the gate');
    while (!existsSync(gate)) await abortableSleep(20, ctx.signal);
    for (const [label, text] of Object.entries(CORPUS)) ctx.log.warn(`${label}: ${text}`);
    throw new Error(`failed: ${WITHOUT_NUL}`);
  },
});

async function cliOutput(child: Child, expectedCode = 0): Promise<string> {
  const exit = await child.exited;
  assert.equal(exit.code, expectedCode, `${child.name} exited ${exit.code}: ${child.stderr()}`);
  return child.lines.join('\n');
}

before(async () => {
  db = await createTestDatabase('hostile_terminal');
  dir = await mkdtemp(path.join(tmpdir(), 'ifq-hostile-term-'));
  runner = new Runner({ databaseUrl: db.url, tasks: [hostileTask], kind: 'test', heartbeatSeconds: 1, poolSize: 4, onError: () => {} });
  await runner.start();
});

after(async () => {
  await children.stopAll();
  await runner?.stop({ timeoutMs: 1000 });
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('hostile terminal strings', () => {
  test('the corpus goes through the runner and every CLI surface (job --follow, job, jobs, daemon lines) as inert text', async () => {
    const env = { DATABASE_URL: db.url, IFQUEUE_DEMO_TASKS: '1' };
    const daemon = children.spawnCli('daemon', ['--daemon', '--queues', 'demo-noop'], env);
    await daemon.waitForLine(/ifqueue daemon running/, 90_000);
    const gate = path.join(dir, 'gate');
    const id = await runner.enqueue('hostile-echo', { text: WITHOUT_NUL, gate }, { name: `${CORPUS.csi}${CORPUS.osc52bel}${CORPUS.osc8}${CORPUS.carriageReturn}${CORPUS.bidi}` });
    await waitFor('the job to start', async () => (await runner.getJob(id))?.state === 'active', 30_000);

    const follow = children.spawnCli('job --follow', ['job', id, '--follow'], env);
    await follow.waitForLine(/^── log$/, 90_000);
    await writeFile(gate, '');
    // --follow ends with the job's final state and exits 1 when the job did not complete (#14)
    const followed = await cliOutput(follow, 1);
    const [detail, list, listJson] = await Promise.all([
      cliOutput(children.spawnCli('job', ['job', id], env)),
      cliOutput(children.spawnCli('jobs', ['jobs'], env)),
      cliOutput(children.spawnCli('jobs --json', ['jobs', '--json'], env)),
    ]);
    await daemon.waitForLine(/^job failed +hostile-echo/, 30_000);
    daemon.kill('SIGTERM');
    await daemon.exited;

    const surfaces = { 'job --follow': followed, job: detail, jobs: list, daemon: daemon.lines.join('\n') };
    const problems = Object.entries(surfaces).flatMap(([label, output]) => hazards(output).map((h) => `${label}: ${h}`));
    assert.deepEqual(problems, [], 'no surface lets a control character through');
    // JSON is for programs: exact data, C0 controls escaped by JSON itself. C1 controls (8-bit CSI
    // included) and bidi controls are valid JSON string characters: toJson writes them as \uXXXX.
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(listJson, /[\u0000-\u0008\u000b-\u001f\u007f]/, 'jobs --json escapes C0 controls');
    assert.equal(JSON.parse(listJson)[0].name, `${CORPUS.csi}${CORPUS.osc52bel}${CORPUS.osc8}${CORPUS.carriageReturn}${CORPUS.bidi}`, 'jobs --json keeps the name exact');
    assert.deepEqual(hazards(listJson), [], 'jobs --json writes C1 and bidi controls as \\uXXXX escapes');
    assert.match(listJson, /\\u009b/, 'the 8-bit CSI is there, escaped');
    const followedLines = followed.split('\n');
    assert.match(followedLines.at(-1)!, /^job failed: failed: A/, 'the final state closes the follow');
    const logLines = followedLines.slice(followedLines.indexOf('── log') + 1, -1);
    for (const line of logLines) assert.match(line, /^\d\d:\d\d:\d\d\.\d{3} [DIWE] /, `every followed line is one log line with its prefix: ${JSON.stringify(line)}`);
    for (const label of Object.keys(CORPUS)) {
      assert.equal(logLines.filter((l) => l.includes(` ${label}: `)).length, 1, `the ${label} line was shown once`);
    }
    assert.ok(logLines.some((l) => l.includes('failed: A')), 'the failure is in the log');
  });

  // Reads the job the test above stored (tests in a file run in order).
  test('the dashboard on a real runner shows the stored corpus as inert text', async () => {
    const id = (await runner.listJobs({ task: 'hostile-echo' })).jobs[0].id;
    const h = mount({ api: runner as unknown as FakeRunner, env: {} });
    try {
      await h.waitFor('● live', 15_000);
      await h.press(KEY.enter);
      // the task's name is in the header at once; Enter opens a row only once the list has loaded it
      await h.waitFor('showing 1–1 of 1', 15_000);
      await h.press('g', KEY.enter);
      await h.waitFor('osc52bel:', 15_000);
      for (const [i, raw] of h.stdout.frames.entries()) assertHarmless(`frame ${i}`, raw.replace(INK_SGR, ''));
      assert.ok((await runner.getLog(id)).length > Object.keys(CORPUS).length);
    } finally {
      await h.close();
    }
  });

  test('the dashboard sanitizer neutralises every corpus entry, alone and all together', () => {
    for (const [label, text] of [...Object.entries(CORPUS), ['all', Object.values(CORPUS).join('')]]) {
      assertHarmless(`sanitizeLine ${label}`, sanitizeLine(text));
      assert.doesNotMatch(sanitizeLine(text), /\n/, `${label} stays one line`);
      for (const line of sanitizeLines(text)) assertHarmless(`sanitizeLines ${label}`, line);
    }
  });
});
