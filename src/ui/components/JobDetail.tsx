// One job: state, args, progress, then its live log, everything else (options, attempts), or an attempt's error
// stack (e): the log keeps the message line, the stack is shown on demand.
import React from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { JobDetail as Job, JobProgress } from '../../runner/types.ts';
import { Row, Rule, type Segment } from './Row.tsx';
import { LogView, logTop } from './LogView.tsx';
import { outcome } from './ScheduleList.tsx';
import { useDashboard, useDashboardContext } from '../context.ts';
import { useClock, RELATIVE_TIME_TICK_MS } from '../hooks/use-clock.ts';
import { useJobDetail } from '../hooks/use-job-detail.ts';
import { shownAttempt, shownLog } from '../store/detail-slice.ts';
import { argsSummary, clock, duration, shortId, since } from '../format.ts';
import { fit, fitWithSuffix } from '../text.ts';
import { sanitizeLine } from '../../text/terminal.ts';
import { detailPaneRows } from '../layout.ts';
import { stackLines, wrappedInfoLines } from '../lines/job-info-lines.ts';

function stateSegments(job: Job, now: number): Segment[] {
  const attempt = job.attempts[job.attempts.length - 1];
  const [mark, tone] = job.state === 'active' ? (['▶ active', 'accent'] as const) : outcome(job.state);
  const when = job.state === 'active' ? ` ${since(job.startedAt, now)}` : job.finishedAt ? ` ${clock(job.finishedAt, now)}` : '';
  const runner = attempt?.host ? `   runner ${sanitizeLine(attempt.host)} pid ${attempt.pid ?? '?'}` : '';
  return [
    [` ${mark}${when}`, tone],
    [`   attempt ${job.attempt}/${job.maxAttempts}${runner}   ${sanitizeLine(job.name ?? '')}`, 'text'],
  ];
}

function progressText(p: JobProgress, width: number): string {
  const label = p.label ? `${sanitizeLine(p.label)} ` : '';
  const counts = p.total ? `${p.current ?? 0}/${p.total} ` : p.current != null ? `${p.current} ` : '';
  const barWidth = p.total ? Math.min(24, Math.max(8, Math.floor(width / 4))) : 0;
  const filled = p.total ? Math.round(((p.current ?? 0) / p.total) * barWidth) : 0;
  const bar = barWidth ? `${'█'.repeat(Math.min(barWidth, filled))}${'░'.repeat(Math.max(0, barWidth - filled))} ` : '';
  return ` progress  ${label}${counts}${bar}${sanitizeLine(p.detail ?? '')}`;
}

/** Progress while it runs, else the error, else how long it took. */
function thirdLine(job: Job, width: number): Segment {
  if (job.progress) return [fit(progressText(job.progress, width), width), 'accent'];
  if (job.error) return [fitWithSuffix(` error ${sanitizeLine(job.error)}`, job.errorStack ? '   e: stack' : '', width), 'error'];
  if (job.finishedAt && job.startedAt) return [fit(` took ${duration(Date.parse(job.finishedAt) - Date.parse(job.startedAt))}`, width), 'muted'];
  return ['', 'text'];
}

export function JobDetail({ width, rows }: { width: number; rows: number }): React.ReactElement {
  const { api, store, bridge } = useDashboardContext();
  const d = useDashboard(useShallow((s) => ({ detail: s.detail, detailVersion: s.detailVersion })));
  const { detail } = d;
  const job = detail.job;
  const now = useClock(job?.state === 'active' ? 1000 : RELATIVE_TIME_TICK_MS);
  useJobDetail(api, store, bridge, detail.jobId, d.detailVersion, detail.attempt);
  const pane = detailPaneRows(rows);
  if (!job) {
    const text = detail.error ? `✗ ${detail.error}` : detail.missing ? `Job ${shortId(detail.jobId ?? '')} no longer exists (deleted or cleaned up). Esc to go back.` : 'Loading…';
    return <Row segments={[[` ${text}`, detail.error || detail.missing ? 'error' : 'muted']]} />;
  }
  const argsLine = ` args ${argsSummary(job.args)}   priority ${job.priority}   created ${clock(job.createdAt, now)}   depends on ${job.dependsOn ? shortId(job.dependsOn) : '—'}${job.blocked ? ' (waiting)' : ''}   on fail ${job.options.onFail ?? '—'}`;
  const latest = job.attempts.length;
  const attempt = shownAttempt(detail);
  const log = shownLog(detail);
  const top = logTop(log.length, pane, detail.follow, detail.logScroll);
  const position = log.length ? `lines ${top + 1}–${Math.min(log.length, top + pane)} of ${log.length}` : 'empty';
  // Only a log that can still grow is "followed": the latest attempt of a job that is running or may run again.
  const growing = attempt >= latest && (job.state === 'active' || job.state === 'created' || job.state === 'retry');
  const followText = growing ? (detail.follow ? ' · following' : ' · paused: F or G to follow') : '';
  const logExtra = `attempt ${attempt || '—'}${latest > 1 ? ' ([ ] other attempts)' : ''} · ${position}${followText}`;
  const info = detail.pane === 'info' ? wrappedInfoLines(job, width) : detail.pane === 'stack' ? stackLines(job, attempt, width) : [];
  const paneTitle = detail.pane === 'info' ? 'Info' : `Error stack · attempt ${attempt || '—'}${latest > 1 ? ' ([ ] other attempts)' : ''}`;
  const paneExtra = `${detail.pane === 'info' ? 'Tab' : 'e'}: log · ${info.length} lines`;
  return (
    <>
      <Row segments={stateSegments(job, now)} />
      <Row segments={[[fit(argsLine, width), 'muted']]} />
      <Row segments={[thirdLine(job, width)]} />
      {detail.pane === 'log' ? (
        <>
          <Rule title="Log" width={width} extra={logExtra} />
          <LogView lines={log} height={pane} width={width} follow={detail.follow} scroll={detail.logScroll} />
        </>
      ) : (
        <>
          <Rule title={paneTitle} width={width} extra={paneExtra} />
          {info.slice(detail.infoScroll, detail.infoScroll + pane).map((line, i) => (
            <Row key={i} segments={[[line.text, line.tone]]} />
          ))}
        </>
      )}
    </>
  );
}
