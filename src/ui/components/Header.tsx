// The top row: where we are, which database, whether updates are live, and the totals.
import React from 'react';
import { useShallow } from 'zustand/react/shallow';
import { Row, type Segment } from './Row.tsx';
import { useDashboard, useDashboardContext } from '../context.ts';
import { currentScreen } from '../store/view-slice.ts';
import { displayDsn } from '../dsn.ts';
import { count, shortId } from '../format.ts';
import { sanitizeLine } from '../../text/terminal.ts';
import { truncate, widthOf } from '../text.ts';
import type { Token } from '../theme.ts';

function crumbs(kind: string, task: string, jobTask: string | null, jobId: string | null): string {
  switch (kind) {
    case 'jobs': return ` › ${sanitizeLine(task)}`;
    case 'job': return ` › ${sanitizeLine(jobTask ?? '…')} › ${jobId ? shortId(jobId) : ''}`;
    case 'schedules': return ' › schedules';
    case 'legacy': return ' › legacy queue';
    default: return '';
  }
}

export function Header({ width }: { width: number }): React.ReactElement {
  const { api, watching, readonly, runnerLabel } = useDashboardContext();
  const h = useDashboard(
    useShallow((s) => ({
      kind: currentScreen(s.stack).kind,
      task: s.jobList.task,
      jobId: s.detail.jobId,
      jobTask: s.detail.job?.task ?? null,
      connected: s.connected,
      dbError: s.dbError,
      database: s.snapshot?.database ?? api.database,
      totals: s.snapshot?.totals ?? null,
      runners: s.snapshot?.runners.filter((r) => r.alive).length ?? null,
      paused: s.snapshot?.queues.filter((q) => q.paused).length ?? 0,
      quitting: s.quitting !== null,
    })),
  );
  const left: Segment[] = [[' ifqueue', 'brand'], [crumbs(h.kind, h.task, h.jobTask, h.jobId), 'title']];
  const status: Segment = h.quitting
    ? ['◌ stopping', 'warn']
    : h.connected === false
      ? [`✗ database down: ${h.dbError ?? 'unreachable'} (retrying)`, 'error']
      : h.connected === null
        ? ['◌ connecting', 'muted']
        : ['● live', 'live'];
  const optional: Array<readonly [string, Token]> = [
    [displayDsn(h.database), 'muted'],
    ...(h.paused ? [[`‖ ${h.paused} paused`, 'paused'] as const] : []),
    [watching ? 'watching (no runner here)' : (runnerLabel ?? 'embedded runner'), 'muted'],
    ...(readonly ? [['readonly', 'warn'] as const] : []),
    ...(h.runners !== null ? [[`runners ${h.runners}`, 'text'] as const] : []),
    ...(h.totals ? [[`waiting ${h.totals.capped?.includes('waiting') ? count(h.totals.waiting, true) : h.totals.waiting}  active ${h.totals.active}  failed ${h.totals.failed}`, h.totals.failed ? 'error' : 'text'] as const] : []),
  ];
  const segments: Segment[] = [...left, ['  ', 'text'], status];
  let used = segments.reduce((n, [t]) => n + widthOf(t), 0);
  if (used > width) return <Row segments={[[truncate(segments.map(([t]) => t).join(''), width), 'title']]} />;
  for (const [text, tone] of optional) {
    const w = widthOf(text) + 2;
    if (used + w > width) continue;
    segments.push(['  ', 'text'], [text, tone]);
    used += w;
  }
  return <Row segments={segments} />;
}
