// Runners seen recently: host, pid, kind, uptime, what they run, last heartbeat.
import React from 'react';
import type { RunnerInfo } from '../../runner/types.ts';
import { Row } from './Row.tsx';
import { since } from '../format.ts';
import { columns } from '../text.ts';
import { sanitizeLine } from '../../text/terminal.ts';

export function RunnerList({ runners, width, height, now }: { runners: readonly RunnerInfo[]; width: number; height: number; now: number }): React.ReactElement {
  if (runners.length === 0) return <Row segments={[['  no runner is registered: jobs wait until one starts (ifqueue --daemon)', 'warn']]} />;
  const more = runners.length > height ? runners.length - (height - 1) : 0;
  const shown = more ? runners.slice(0, height - 1) : runners;
  const queuesWidth = Math.max(8, width - (2 + 14 + 10 + 9 + 10 + 12 + 5));
  return (
    <>
      {shown.map((r) => {
        const what = r.queues.length ? r.queues.map(sanitizeLine).join(' ') : '(watching)';
        const text = columns([
          [sanitizeLine(r.host), 14], [`pid ${r.pid}`, 10], [r.kind, 9], [`up ${since(r.startedAt, now)}`, 10], [what, queuesWidth],
          [r.alive ? `seen ${since(r.lastSeenAt, now)}` : '✗ gone', 12],
        ]);
        return <Row key={r.id} segments={[['  ', 'text'], [text, r.alive ? 'text' : 'muted']]} />;
      })}
      {more > 0 && <Row segments={[[`  … ${more} more`, 'muted']]} />}
    </>
  );
}
