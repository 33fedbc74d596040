// The schedules screen: every schedule, and for the selected one its next five fire times and last run.
import React from 'react';
import { useShallow } from 'zustand/react/shallow';
import { Row, Rule } from './Row.tsx';
import { ScheduleList, outcome } from './ScheduleList.tsx';
import { useDashboard } from '../context.ts';
import { useClock, RELATIVE_TIME_TICK_MS } from '../hooks/use-clock.ts';
import { ago, argsSummary, clock, runTime, shortId, until } from '../format.ts';
import { fit } from '../text.ts';
import { sanitizeLine } from '../../text/terminal.ts';
import { SCHEDULE_DETAIL_ROWS, scheduleListRows } from '../layout.ts';
import { missingTablesLines } from '../actions/ifdb-check.ts';

export function Schedules({ width, rows }: { width: number; rows: number }): React.ReactElement {
  const now = useClock(RELATIVE_TIME_TICK_MS);
  const v = useDashboard(useShallow((s) => ({ schedules: s.snapshot?.schedules ?? null, index: s.scheduleIndex, missing: s.ifdbMissing })));
  if (!v.schedules) return <Row segments={[['  Loading…', 'muted']]} />;
  const listRows = scheduleListRows(rows);
  const selected = Math.min(v.index, Math.max(0, v.schedules.length - 1));
  const s = v.schedules[selected];
  const details: Array<[string, 'text' | 'muted' | 'ok' | 'error' | 'warn' | 'accent']> = s
    ? [
        [`  ${sanitizeLine(s.task)} (${sanitizeLine(s.key)})   cron ${sanitizeLine(s.cron)}   tz ${sanitizeLine(s.tz)}${s.paused ? '   ‖ paused' : ''}`, s.paused ? 'warn' : 'text'],
        [`  args ${argsSummary(s.args)}`, 'muted'],
        [`  next five: ${s.nextRuns.length ? s.nextRuns.map((r) => clock(r, now)).join(', ') : '—'}${s.nextRuns[0] ? ` (first ${until(s.nextRuns[0], now)})` : ''}`, 'text'],
        [
          s.lastRunAt
            ? `  last run ${clock(s.lastRunAt, now)} (${ago(s.lastRunAt, now)}): ${outcome(s.lastOutcome)[0]}${s.lastDurationMs != null ? `, took ${runTime(s.lastDurationMs)}` : ''}${s.lastJobId ? `, job ${shortId(s.lastJobId)}` : ''}`
            : '  never run yet',
          s.lastOutcome === 'failed' ? 'error' : 'muted',
        ],
        ...(v.missing?.[s.task]
          ? missingTablesLines(`its ${s.task} jobs`, v.missing[s.task]).map((line, i): [string, 'warn'] => [`  ${i === 0 ? '!' : ' '} ${line}${i === 1 && s.paused ? ' Keep it paused.' : ''}`, 'warn'])
          : []),
      ]
    : [['  no schedules yet: press a to add one', 'muted']];
  return (
    <>
      <ScheduleList schedules={v.schedules} width={width} height={listRows + 1} now={now} selected={selected} />
      {Array.from({ length: Math.max(0, listRows - Math.max(1, v.schedules.length)) }, (_, i) => (
        <Row key={`pad${i}`} segments={[['', 'text']]} />
      ))}
      <Rule title="Selected schedule" width={width} />
      {details.slice(0, SCHEDULE_DETAIL_ROWS - 1).map(([text, tone], i) => (
        <Row key={i} segments={[[fit(text, width), tone]]} />
      ))}
    </>
  );
}
