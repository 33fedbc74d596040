// A TaskContext for running task handlers directly in tests (no runner): it records log lines,
// progress and enqueued jobs, and runs child processes with the runner's real exec helper.
import { randomUUID } from 'node:crypto';
import { runChild } from '../../src/runner/exec.ts';
import type { EnqueueOptions, JobProgress, LogLevel, TaskContext } from '../../src/runner/types.ts';

export interface RecordedContext extends TaskContext {
  lines: { level: LogLevel; text: string }[];
  progressUpdates: JobProgress[];
  enqueued: { task: string; args: unknown; options?: EnqueueOptions; id: string }[];
  controller: AbortController;
  text(): string;
}

export function makeTaskContext(task = 'test-task', options: { signal?: AbortSignal } = {}): RecordedContext {
  const lines: RecordedContext['lines'] = [];
  const controller = new AbortController();
  const signal = options.signal ? AbortSignal.any([controller.signal, options.signal]) : controller.signal;
  const fmt = (message: string, rest: unknown[]) =>
    [message, ...rest.map((r) => (r instanceof Error ? r.message : typeof r === 'string' ? r : JSON.stringify(r)))].join(' ');
  const log = (level: LogLevel) => (message: string, ...rest: unknown[]) => lines.push({ level, text: fmt(message, rest) });
  const enqueued: RecordedContext['enqueued'] = [];
  const progressUpdates: JobProgress[] = [];
  const ctx: RecordedContext = {
    lines,
    progressUpdates,
    enqueued,
    controller,
    text: () => lines.map((l) => `${l.level}: ${l.text}`).join('\n'),
    log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    signal,
    job: { id: randomUUID(), task, name: null, attempt: 1, maxAttempts: 3 },
    progress: (p) => progressUpdates.push(p),
    exec: (file, args, opts) => runChild(file, args, (s, l) => lines.push({ level: s === 'stderr' ? 'warn' : 'info', text: l }), signal, opts),
    async enqueue(t, args, opts) {
      const id = randomUUID();
      enqueued.push({ task: t, args, options: opts, id });
      return id;
    },
    async enqueueOrGet(t, args, opts) {
      const existing = enqueued.find((e) => e.options?.name === opts.name);
      if (existing) return { id: existing.id, created: false };
      const id = randomUUID();
      enqueued.push({ task: t, args, options: opts, id });
      return { id, created: true };
    },
  };
  return ctx;
}
