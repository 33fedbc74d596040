// The guarantee canary (`npm run test:canary`): proves that the tests named for each guarantee can fail.
// In a throwaway copy of the committed tree (git archive of HEAD, or $CANARY_REF, under /tmp, with this
// checkout's node_modules linked in) it checks that every break still applies, runs each break's tests
// without it (they must pass; once per distinct selection of tests), then with it (they must fail).
// It passes only if every break is caught.
//   npm run test:canary [-- --only id,id] [--keep] [--list] [--check (only that every break applies)]
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyBreak } from './apply.ts';
import { BREAKS, type Break } from './breaks.ts';

/** Per test file (node --test-timeout): a break that makes a test hang must still end it. */
const TEST_TIMEOUT_MS = 240_000;
/** Per run of a break's tests, whatever they do. */
const RUN_TIMEOUT_MS = 600_000;

const root = fileURLToPath(new URL('../../', import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

function git(...gitArgs: string[]): string {
  const r = spawnSync('git', ['-C', root, ...gitArgs], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${gitArgs.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

interface RunResult {
  code: number | null;
  timedOut: boolean;
  ms: number;
  log: string;
  failed: string[];
}

async function runTests(tree: string, b: Break, phase: string, logs: string): Promise<RunResult> {
  const log = path.join(logs, `${b.id}.${phase}.log`);
  const out = createWriteStream(log);
  const testArgs = ['--import', 'tsx', '--import', './test/helpers/setup.ts', '--test', '--test-concurrency=1', `--test-timeout=${TEST_TIMEOUT_MS}`];
  if (b.namePattern) testArgs.push(`--test-name-pattern=${b.namePattern}`);
  const started = Date.now();
  // its own process group, so a hung run can be ended with everything it started
  const child = spawn(process.execPath, [...testArgs, ...b.tests], { cwd: tree, env: process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const collect = (chunk: Buffer) => {
    out.write(chunk);
    text = (text + chunk.toString('utf8')).slice(-200_000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {}
  }, RUN_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(timer);
  out.end();
  const failed = [...new Set(text.split('\n').filter((l) => /^\s*✖ /.test(l) && !/failing tests/.test(l)).map((l) => l.trim().replace(/ \(\d+(\.\d+)?ms\)$/, '')))];
  return { code, timedOut, ms: Date.now() - started, log, failed };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<number> {
  const only = option('--only')?.split(',');
  const breaks = only ? BREAKS.filter((b) => only.includes(b.id)) : BREAKS;
  if (only && breaks.length !== only.length) throw new Error(`unknown break(s): ${only.filter((id) => !BREAKS.some((b) => b.id === id)).join(', ')}`);
  if (flag('--list')) {
    for (const b of BREAKS) console.log(`${b.id.padEnd(20)} ${b.file} → ${b.tests.join(' ')}${b.namePattern ? ` (${b.namePattern})` : ''}\n${' '.repeat(21)}${b.guarantee}`);
    return 0;
  }

  const ref = process.env.CANARY_REF ?? 'HEAD';
  const commit = git('rev-parse', '--verify', `${ref}^{commit}`);
  const tree = await mkdtemp(path.join(tmpdir(), 'ifq-canary-'));
  const logs = path.join(tree, '.canary-logs');
  await mkdir(logs);
  const archive = spawnSync('sh', ['-c', `git -C "$1" archive "$2" | tar -x -C "$3"`, 'sh', root, commit, tree], { encoding: 'utf8' });
  if (archive.status !== 0) throw new Error(`cannot copy ${commit}: ${archive.stderr.trim()}`);
  await symlink(path.join(root, 'node_modules'), path.join(tree, 'node_modules'));
  console.log(`guarantee canary: ${breaks.length} breaks on ${commit.slice(0, 12)} (${ref}), copied to ${tree}`);

  const rows: { b: Break; verdict: string; ok: boolean; detail: string }[] = [];
  // breaks that name the same tests share one baseline run: the tree is the same without any break
  const baselines = new Map<string, RunResult>();
  const started = Date.now();
  for (const b of breaks) {
    const file = path.join(tree, b.file);
    const original = await readFile(file, 'utf8').catch(() => null);
    if (original === null) {
      rows.push({ b, ok: false, verdict: 'DOES NOT APPLY', detail: `${b.file} does not exist: re-anchor this break` });
      console.log(`✖ ${b.id}: DOES NOT APPLY — ${b.file} does not exist`);
      continue;
    }
    const patched = applyBreak(b, original);
    if ('problem' in patched) {
      rows.push({ b, ok: false, verdict: 'DOES NOT APPLY', detail: patched.problem });
      console.log(`✖ ${b.id}: DOES NOT APPLY — ${patched.problem}`);
      continue;
    }
    if (flag('--check')) {
      rows.push({ b, ok: true, verdict: 'applies', detail: `${b.edits.length} edit(s) in ${b.file}` });
      continue;
    }
    const selection = JSON.stringify([b.tests, b.namePattern ?? null]);
    let baseline = baselines.get(selection);
    if (!baseline) baselines.set(selection, (baseline = await runTests(tree, b, 'baseline', logs)));
    if (baseline.code !== 0) {
      rows.push({ b, ok: false, verdict: 'BASELINE RED', detail: `its tests fail without the break (${baseline.timedOut ? 'timed out' : `exit ${baseline.code}`}): ${baseline.failed.join('; ') || 'see log'}; log ${baseline.log}` });
      console.log(`✖ ${b.id}: BASELINE RED — the tests named for it fail without the break; log ${baseline.log}`);
      continue;
    }
    await writeFile(file, patched.text);
    let broken: RunResult;
    try {
      broken = await runTests(tree, b, 'broken', logs);
    } finally {
      await writeFile(file, original);
    }
    const caught = broken.code !== 0;
    const how = broken.timedOut ? `killed after ${seconds(RUN_TIMEOUT_MS)}` : caught ? broken.failed.slice(0, 3).join('; ') || `exit ${broken.code}` : 'every test passed';
    rows.push({ b, ok: caught, verdict: caught ? 'caught' : 'MISSED', detail: `${how} (baseline green in ${seconds(baseline.ms)}, red in ${seconds(broken.ms)})` });
    console.log(`${caught ? '✔' : '✖'} ${b.id}: ${caught ? 'caught' : 'MISSED'} — ${how}`);
  }

  console.log('\nbreak                guarantee / verdict');
  for (const r of rows) {
    console.log(`${r.b.id.padEnd(20)} ${r.b.guarantee}`);
    console.log(`${' '.repeat(21)}${r.ok ? '✔' : '✖'} ${r.verdict}: ${r.detail}`);
    console.log(`${' '.repeat(21)}tests: ${r.b.tests.join(' ')}${r.b.namePattern ? ` (names matching "${r.b.namePattern}")` : ''}`);
  }
  const allCaught = rows.length === breaks.length && rows.every((r) => r.ok);
  // kept for its logs when a break was not caught (--check runs no tests: nothing to keep)
  if ((allCaught || flag('--check')) && !flag('--keep')) await rm(tree, { recursive: true, force: true });
  else console.log(`\ncopy and logs kept in ${tree}`);
  const took = `in ${(Math.round((Date.now() - started) / 6000) / 10).toFixed(1)} min`;
  if (flag('--check')) console.log(allCaught ? `\nevery one of the ${rows.length} breaks applies` : `\ncanary FAILED: ${rows.filter((r) => !r.ok).map((r) => r.b.id).join(', ')} no longer apply`);
  else console.log(allCaught ? `\ncanary passed: all ${rows.length} breaks caught ${took}` : `\ncanary FAILED ${took}: ${rows.filter((r) => !r.ok).map((r) => `${r.b.id} (${r.verdict})`).join(', ')}`);
  return allCaught ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`canary: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
