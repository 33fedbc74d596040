// The state tabs of a queue with their counts; the current one is bracketed (not shown by colour alone).
import React from 'react';
import type { QueueCounts, StateFilter } from '../../runner/types.ts';
import { Row, type Segment } from './Row.tsx';
import { TABS } from '../store/jobs-slice.ts';
import { count } from '../format.ts';
import { truncate } from '../text.ts';

const LONG: Record<string, string> = { waiting: 'waiting', scheduled: 'scheduled', active: 'active', retry: 'retry', failed: 'failed', completed: 'completed', cancelled: 'cancelled' };
const SHORT: Record<string, string> = { waiting: 'wait', scheduled: 'sched', active: 'active', retry: 'retry', failed: 'failed', completed: 'done', cancelled: 'cancel' };

export function tabCount(q: QueueCounts | undefined, tab: StateFilter): number | null {
  if (!q) return null;
  switch (tab) {
    case 'waiting': return q.waiting;
    case 'scheduled': return q.scheduled;
    case 'active': return q.active;
    case 'retry': return q.retry;
    case 'failed': return q.failed;
    case 'completed': return q.completed;
    case 'cancelled': return q.cancelled;
    default: return null;
  }
}

export function StateTabs({ queue, tab, width }: { queue: QueueCounts | undefined; tab: StateFilter; width: number }): React.ReactElement {
  const wide = width >= 100;
  const names = wide ? LONG : SHORT;
  const segments: Segment[] = [[' ', 'text']];
  TABS.forEach((t, i) => {
    const label = `${wide ? `${i + 1} ` : ''}${names[t]} ${count(tabCount(queue, t), (queue?.capped as readonly string[] | undefined)?.includes(t))}`;
    if (i > 0) segments.push([wide ? ' │ ' : '│', 'rule']);
    segments.push(t === tab ? [`[${label}]`, 'tabActive'] : [` ${label} `, t === 'failed' && (queue?.failed ?? 0) > 0 ? 'error' : 'text']);
  });
  const total = segments.reduce((n, [s]) => n + s.length, 0);
  if (total <= width) return <Row segments={segments} />;
  return <Row segments={[[truncate(segments.map(([s]) => s).join(''), width), 'text']]} />;
}
