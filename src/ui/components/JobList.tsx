// A queue's jobs in one state: a window of the loaded keyset pages around the selection, and the filter line.
import React from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { JobSummary, StateFilter } from '../../runner/types.ts';
import { Row, type Segment } from './Row.tsx';
import { StateTabs, tabCount } from './StateTabs.tsx';
import { useDashboard, useDashboardContext } from '../context.ts';
import { useClock, RELATIVE_TIME_TICK_MS } from '../hooks/use-clock.ts';
import { useJobList } from '../hooks/use-job-list.ts';
import { ago, argsSummary, shortId, since, until } from '../format.ts';
import { fit } from '../text.ts';
import { sanitizeLine } from '../../text/terminal.ts';
import { jobListRows, windowStart } from '../layout.ts';

function timeColumn(tab: StateFilter): string {
  switch (tab) {
    case 'active': return 'running';
    case 'scheduled': return 'starts';
    case 'completed':
    case 'failed':
    case 'cancelled': return 'finished';
    default: return 'age';
  }
}

function timeOf(job: JobSummary, tab: StateFilter, now: number): string {
  switch (tab) {
    case 'active': return since(job.startedAt, now);
    case 'scheduled': return until(job.startAfter, now);
    case 'completed':
    case 'failed':
    case 'cancelled': return ago(job.finishedAt, now);
    default: return since(job.createdAt, now);
  }
}

export function jobColumns(width: number): { name: number; args: number; error: number } {
  const flex = Math.max(12, width - (2 + 9 + 6 + 10 + 5));
  const name = Math.floor(flex * 0.34);
  const args = Math.floor(flex * 0.26);
  return { name, args, error: flex - name - args };
}

export function JobList({ width, rows }: { width: number; rows: number }): React.ReactElement {
  const { api, store } = useDashboardContext();
  const now = useClock(RELATIVE_TIME_TICK_MS);
  const l = useDashboard(useShallow((s) => ({ list: s.jobList, jobsVersion: s.jobsVersion, queue: s.snapshot?.queues.find((q) => q.task === s.jobList.task) })));
  const { list, queue } = l;
  useJobList(api, store, true, list.key, l.jobsVersion, list.index);
  const height = jobListRows(rows);
  const w = jobColumns(width);
  const header = `  ${fit('id', 9)} ${fit('name', w.name)} ${fit('args', w.args)} ${fit('tries', 6)} ${fit(timeColumn(list.tab), 10)} ${fit('error', w.error)}`;
  const start = windowStart(list.index, list.rows.length, height);
  const shown = list.rows.slice(start, start + height);
  const total = list.filter ? list.total : tabCount(queue, list.tab);
  const range = list.rows.length ? `${start + 1}–${start + shown.length} of ${total ?? '?'}${list.next ? '+' : ''}` : `0 of ${total ?? 0}`;
  const filterText = list.filterDraft !== null ? `filter: /${sanitizeLine(list.filterDraft)}▌` : `filter: ${list.filter ? sanitizeLine(list.filter) : '—'}`;
  const state = list.error ? `✗ ${list.error}` : list.loading ? 'loading…' : `showing ${range}`;
  const empty = !list.loading && !list.error && list.rows.length === 0;
  return (
    <>
      <StateTabs queue={queue} tab={list.tab} width={width} />
      <Row segments={[[header, 'muted']]} />
      {empty && <Row segments={[[`  no ${list.tab} jobs in ${sanitizeLine(list.task)}${list.filter ? ' matching the filter' : ''}`, 'muted']]} />}
      {shown.map((job, i) => {
        const selected = start + i === list.index;
        const cells: Segment[] = [
          [selected ? '› ' : '  ', 'accent'],
          [`${fit(shortId(job.id), 9)} `, 'muted'],
          [`${fit(sanitizeLine(job.name ?? job.task), w.name)} `, 'text'],
          [`${fit(argsSummary(job.args), w.args)} `, 'muted'],
          [`${fit(`${job.attempt}/${job.maxAttempts}`, 6)} `, 'text'],
          [`${fit(timeOf(job, list.tab, now), 10)} `, 'text'],
          [fit(job.blocked ? 'waiting for its dependency' : sanitizeLine(job.error ?? ''), w.error), 'error'],
        ];
        return <Row key={job.id} segments={cells} selected={selected} />;
      })}
      {Array.from({ length: Math.max(0, height - shown.length - (empty ? 1 : 0)) }, (_, i) => (
        <Row key={`pad${i}`} segments={[['', 'text']]} />
      ))}
      <Row segments={[[fit(`${state}   ${filterText}`, width, 'right'), list.error ? 'error' : list.filterDraft !== null ? 'accent' : 'muted']]} />
    </>
  );
}
