// Schedules: task, cron, time zone, next fire and the last run's outcome (args too on the schedules screen).
import React from 'react';
import type { JobState, ScheduleInfo } from '../../runner/types.ts';
import { Row, type Segment } from './Row.tsx';
import { argsSummary, clock, until, runTime } from '../format.ts';
import { columns, fit } from '../text.ts';
import { sanitizeLine } from '../../text/terminal.ts';
import { windowStart } from '../layout.ts';
import type { Token } from '../theme.ts';

export function outcome(state: JobState | null): readonly [string, Token] {
  switch (state) {
    case 'completed': return ['✓ done', 'ok'];
    case 'failed': return ['✗ failed', 'error'];
    case 'active': return ['▶ running', 'accent'];
    case 'created':
    case 'retry': return ['… queued', 'muted'];
    case 'cancelled': return ['⊘ cancelled', 'warn'];
    default: return ['—', 'muted'];
  }
}

function nextText(s: ScheduleInfo, now: number): string {
  if (s.paused) return '‖ paused';
  const next = s.nextRuns[0];
  return next ? `next ${clock(next, now)} (${until(next, now)})` : 'next —';
}

function lastText(s: ScheduleInfo, now: number): string {
  if (!s.lastRunAt) return 'never run';
  const [label] = outcome(s.lastOutcome);
  return `last ${label} ${clock(s.lastRunAt, now)}${s.lastDurationMs != null ? ` (${runTime(s.lastDurationMs)})` : ''}`;
}

interface Props {
  schedules: readonly ScheduleInfo[];
  width: number;
  height: number;
  now: number;
  /** index of the selected schedule, or null for the overview's read-only list */
  selected?: number | null;
}

export function ScheduleList({ schedules, width, height, now, selected = null }: Props): React.ReactElement {
  if (schedules.length === 0) return <Row segments={[['  no schedules (add one on the schedules screen: s, then a)', 'muted']]} />;
  const header = selected !== null;
  const argsWidth = width >= 100 ? 20 : 0;
  const fixed = 2 + 16 + 14 + 7 + (argsWidth ? argsWidth + 1 : 0) + 24;
  const lastWidth = Math.max(10, width - fixed);
  const rows = header ? height - 1 : height;
  const start = windowStart(selected ?? 0, schedules.length, rows);
  const more = !header && schedules.length > rows ? schedules.length - (rows - 1) : 0;
  const shown = schedules.slice(start, start + (more ? rows - 1 : rows));
  const headerText = columns([['task', 15], ['cron', 13], ['tz', 6], ...(argsWidth ? [['args', argsWidth] as const] : []), ['next', 23], ['last', lastWidth]]);
  return (
    <>
      {header && <Row segments={[[`  ${headerText}`, 'muted']]} />}
      {shown.map((s, i) => {
        const isSelected = selected !== null && start + i === selected;
        const last = outcome(s.lastOutcome);
        const cells: Segment[] = [
          [isSelected ? '› ' : '  ', 'accent'],
          [fit(sanitizeLine(s.task), 15) + ' ', 'text'],
          [fit(sanitizeLine(s.cron), 13) + ' ', 'text'],
          [fit(sanitizeLine(s.tz), 6) + ' ', 'muted'],
          ...(argsWidth ? [[fit(argsSummary(s.args), argsWidth) + ' ', 'muted'] as Segment] : []),
          [fit(nextText(s, now), 23) + ' ', s.paused ? 'paused' : 'text'],
          [fit(lastText(s, now), lastWidth), s.lastRunAt ? last[1] : 'muted'],
        ];
        return <Row key={s.id} segments={cells} selected={isSelected} />;
      })}
      {more > 0 && <Row segments={[[`  … ${more} more (s: schedules)`, 'muted']]} />}
    </>
  );
}
