// The guarantee canary's deliberate breaks: one per guarantee, each a small patch (file, exact snippet,
// replacement) and the tests that must turn red when it is applied. A snippet must occur exactly once in
// its file; when the code it points at changes, the canary fails loudly until the break is re-anchored.

export interface Edit {
  /** the exact text to replace (must occur once in the file) */
  find: string;
  replace: string;
}

export interface Break {
  id: string;
  /** the README promise this break violates */
  guarantee: string;
  file: string;
  edits: Edit[];
  /** test files that must fail with the break (and pass without it) */
  tests: string[];
  /** only the tests whose names match (node --test-name-pattern) */
  namePattern?: string;
}

export const BREAKS: Break[] = [
  {
    id: 'shutdown-return',
    guarantee: 'On SIGTERM, a job whose task ignores its signal is put back in the queue when the timeout passes, without using an attempt',
    file: 'src/runner/runner.ts',
    edits: [
      {
        find: '          await this.pool.query(this.sql.returnJob(job.id, job.task, job.retryCount)).catch(() => {});',
        replace: '          void job;',
      },
    ],
    tests: ['test/runner/abort-paths.test.ts'],
    namePattern: 'shutdown',
  },
  {
    id: 'sigkill-escalation',
    guarantee: "A task's child processes get SIGTERM, then SIGKILL after 2 s (expiry, cancel, shutdown, timeouts)",
    file: 'src/runner/exec.ts',
    edits: [
      {
        find: `    setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {}
    }, 2000).unref();`,
        replace: '',
      },
    ],
    tests: ['test/runner/exec.test.ts'],
  },
  {
    id: 'process-group',
    guarantee: "The whole process group of a task's child processes is killed, not only the process it started",
    file: 'src/runner/exec.ts',
    edits: [
      { find: "process.kill(-child.pid, 'SIGTERM');", replace: "process.kill(child.pid, 'SIGTERM');" },
      { find: "process.kill(-child.pid!, 'SIGKILL');", replace: "process.kill(child.pid!, 'SIGKILL');" },
    ],
    tests: ['test/runner/exec.test.ts'],
  },
  {
    id: 'error-flash',
    guarantee: "The dashboard's errors (and refusals) stay in the flash line until the next key; only info clears by itself",
    file: 'src/ui/hooks/use-flash-timer.ts',
    edits: [{ find: "if (flash?.kind !== 'info' && flash?.kind !== 'note') return;", replace: 'if (!flash) return;' }],
    tests: ['test/ui/flows-live.test.ts'],
    namePattern: 'flash',
  },
  {
    id: 'settle-retry',
    guarantee: 'A completion or failure that cannot be recorded while the database is away is retried until the deadline; the job does not run again because of the outage',
    file: 'src/runner/job-run.ts',
    edits: [{ find: '      if (outOfTime || !isTransientDbError(error)) throw error;', replace: '      throw error;' }],
    tests: ['test/fault/settle-outage.test.ts'],
  },
  {
    id: 'password-mask',
    guarantee: 'The database password never appears in output or an error; it is shown as ***, also when connecting fails',
    file: 'src/runner/dsn.ts',
    edits: [{ find: "    if (u.password) u.password = '***';\n", replace: '' }],
    tests: ['test/ui/plain-summary.test.ts'],
  },
  {
    id: 'bidi-inert',
    guarantee: 'Text from jobs is made inert before it reaches a terminal (job, jobs, --follow, daemon lines): bidi overrides included',
    file: 'src/text/terminal.ts',
    edits: [{ find: "  return stripSequences(s)\n    .replace(BIDI, '')\n    .replace(LINE_SEPARATORS, '\\n')", replace: "  return stripSequences(s)\n    .replace(LINE_SEPARATORS, '\\n')" }],
    // (the dashboard's hostile-strings test stayed green with this break: its fitting dropped the controls too)
    tests: ['test/hostile/terminal.test.ts'],
  },
];
