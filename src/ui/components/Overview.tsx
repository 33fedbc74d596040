// The overview: queues, runners, schedules (and the legacy queue when the cutover adapter is present).
import React from 'react';
import { useShallow } from 'zustand/react/shallow';
import { Rule, Row } from './Row.tsx';
import { QueueTable } from './QueueTable.tsx';
import { RunnerList, runnerRuleText } from './RunnerList.tsx';
import { ScheduleList } from './ScheduleList.tsx';
import { LegacySummary } from './LegacySummary.tsx';
import { useDashboard, useDashboardContext } from '../context.ts';
import { useClock, RELATIVE_TIME_TICK_MS } from '../hooks/use-clock.ts';
import { fit, wordWrap } from '../text.ts';

/** rows of start-up notes shown at most (there are two or three notes) */
const MAX_NOTE_ROWS = 6;

/** Splits the body's rows between the sections: queues first, then a few runners and schedules. */
export function overviewBudget(height: number, queues: number, runners: number, schedules: number, legacy: boolean) {
  const titles = 2 + 1 + 1 + (legacy ? 2 : 0);
  let runnerRows = Math.min(Math.max(1, runners), 3);
  let scheduleRows = Math.min(Math.max(1, schedules), 3);
  let queueRows = height - titles - runnerRows - scheduleRows;
  if (queueRows < 3) {
    runnerRows = scheduleRows = 1;
    queueRows = height - titles - 2;
  }
  let spare = queueRows - Math.max(1, queues);
  if (spare > 0) {
    const moreRunners = Math.min(spare, Math.max(1, runners) - runnerRows);
    runnerRows += moreRunners;
    spare -= moreRunners;
    scheduleRows += Math.min(spare, Math.max(1, schedules) - scheduleRows);
    queueRows = Math.max(1, queues);
  }
  return { queueRows: Math.max(1, queueRows), runnerRows, scheduleRows };
}

export function Overview({ width, height }: { width: number; height: number }): React.ReactElement {
  const { legacy } = useDashboardContext();
  const now = useClock(RELATIVE_TIME_TICK_MS);
  const o = useDashboard(
    useShallow((s) => ({ snapshot: s.snapshot, selected: s.overviewIndex, connected: s.connected, legacyStatus: s.legacy, legacyError: s.legacyError, notes: s.notes })),
  );
  // Wrapped, not cut: a path or a hint at the end of a note is what it is there for.
  const notes = o.notes.flatMap((n) => wordWrap(n, width - 4).map((line, i) => `${i === 0 ? '' : '  '}${line}`)).slice(0, MAX_NOTE_ROWS);
  const notesRows = notes.length ? notes.length + 1 : 0;
  const notesSection = notes.length > 0 && (
    <>
      <Rule title="Started" width={width} extra="any key hides this" />
      {notes.map((n, i) => (
        <Row key={i} segments={[[fit(`  ${n}`, width), 'accent']]} />
      ))}
    </>
  );
  if (!o.snapshot) {
    return (
      <>
        {notesSection}
        <Row segments={[[o.connected === false ? '  Waiting for the database…' : '  Loading…', 'muted']]} />
      </>
    );
  }
  const { queues, runners, schedules } = o.snapshot;
  const live = runners.filter((r) => r.alive).length;
  const budget = overviewBudget(height - notesRows, queues.length, live, schedules.length, legacy !== null);
  const selected = Math.min(o.selected, Math.max(0, queues.length - 1));
  return (
    <>
      {notesSection}
      <Rule title="Queues" width={width} />
      <QueueTable queues={queues} selected={selected} width={width} height={budget.queueRows + 1} />
      <Rule title="Runners" width={width} extra={runnerRuleText(runners)} />
      <RunnerList runners={runners} width={width} height={budget.runnerRows} now={now} />
      <Rule title="Schedules" width={width} />
      <ScheduleList schedules={schedules} width={width} height={budget.scheduleRows} now={now} />
      {legacy && <Rule title="Legacy" width={width} />}
      {legacy && <LegacySummary status={o.legacyStatus} error={o.legacyError} width={width} />}
    </>
  );
}
