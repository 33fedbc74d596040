// One row per queue: counts by state, finished in the last hour and day, oldest waiting age, paused marker, throughput.
import React from 'react';
import type { QueueCounts } from '../../runner/types.ts';
import { Row, type Segment } from './Row.tsx';
import { count, duration, sparkline } from '../format.ts';
import { fit, fitWithSuffix } from '../text.ts';
import { sanitizeLine } from '../../text/terminal.ts';
import { windowStart } from '../layout.ts';

interface Column {
  label: string;
  width: number;
  value: (q: QueueCounts) => string;
  alert?: (q: QueueCounts) => boolean;
}

function numberColumns(wide: boolean): Column[] {
  const n = (label: string, short: string, value: (q: QueueCounts) => string, alert?: (q: QueueCounts) => boolean): Column => ({
    label: wide ? label : short, width: Math.max(wide ? label.length : short.length, 5), value, alert,
  });
  return [
    n('waiting', 'wait', (q) => count(q.waiting, q.capped?.includes('waiting'))),
    n('sched', 'sched', (q) => count(q.scheduled, q.capped?.includes('scheduled'))),
    n('active', 'act', (q) => count(q.active)),
    n('retry', 'retry', (q) => count(q.retry), (q) => q.retry > 0),
    n('failed', 'fail', (q) => count(q.failed), (q) => q.failed > 0),
    n('done 1h', '1h', (q) => count(q.completedLastHour)),
    n('done 24h', '24h', (q) => count(q.completedLastDay)),
    n('oldest', 'oldest', (q) => (q.oldestWaitingSeconds == null ? '—' : duration(q.oldestWaitingSeconds * 1000)), (q) => (q.oldestWaitingSeconds ?? 0) > 3600),
  ];
}

export function QueueTable({ queues, selected, width, height }: { queues: readonly QueueCounts[]; selected: number; width: number; height: number }): React.ReactElement {
  const wide = width >= 100;
  const cols = numberColumns(wide);
  const sparkWidth = wide ? 12 : 6;
  const fixed = 2 + cols.reduce((n, c) => n + c.width + 1, 0) + 1 + sparkWidth;
  const nameWidth = Math.max(8, width - fixed);
  const header: Segment[] = [[`  ${fit('queue', nameWidth)}`, 'muted'], ...cols.map((c): Segment => [` ${fit(c.label, c.width, 'right')}`, 'muted']), [` ${fit('per 5m', sparkWidth)}`, 'muted']];
  const rows = Math.max(0, height - 1);
  const start = windowStart(selected, queues.length, rows);
  const shown = queues.slice(start, start + rows);
  return (
    <>
      <Row segments={header} />
      {queues.length === 0 && <Row segments={[['  no queues yet: no tasks registered', 'muted']]} />}
      {shown.map((q, i) => {
        const isSelected = start + i === selected;
        const name = q.paused ? fitWithSuffix(sanitizeLine(q.task), ' ‖ paused', nameWidth) : fit(sanitizeLine(q.task), nameWidth);
        const segments: Segment[] = [
          [isSelected ? '› ' : '  ', 'accent'],
          [name, q.paused ? 'paused' : 'text'],
          ...cols.map((c): Segment => [` ${fit(c.value(q), c.width, 'right')}`, c.alert?.(q) ? 'error' : 'text']),
          [` ${sparkline(q.throughput, sparkWidth)}`, 'accent'],
        ];
        return <Row key={q.task} segments={segments} selected={isSelected} />;
      })}
    </>
  );
}
