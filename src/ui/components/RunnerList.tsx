// Live runners: host, pid, kind, uptime, what they run, last heartbeat. Gone ones are only counted (in the
// section's rule): after a few restarts they would push the live ones off an 80×24 screen.
import React from 'react';
import type { RunnerInfo } from '../../runner/types.ts';
import { Row } from './Row.tsx';
import { since } from '../format.ts';
import { columns, fit } from '../text.ts';
import { sanitizeLine } from '../../text/terminal.ts';

export function runnerRuleText(runners: readonly RunnerInfo[]): string {
  const live = runners.filter((r) => r.alive).length;
  const gone = runners.length - live;
  return gone ? `${live} live · ${gone} gone` : `${live} live`;
}

export function RunnerList({ runners: all, width, height, now }: { runners: readonly RunnerInfo[]; width: number; height: number; now: number }): React.ReactElement {
  const runners = all.filter((r) => r.alive);
  if (runners.length === 0) return <Row segments={[[fit('  no runner is alive: jobs wait until one starts (ifqueue --daemon)', width), 'warn']]} />;
  const more = runners.length > height ? runners.length - (height - 1) : 0;
  const shown = more ? runners.slice(0, height - 1) : runners;
  const queuesWidth = Math.max(8, width - (2 + 14 + 10 + 9 + 10 + 12 + 5));
  return (
    <>
      {shown.map((r) => {
        const what = r.queues.length ? r.queues.map(sanitizeLine).join(' ') : '(watching)';
        const text = columns([
          [sanitizeLine(r.host), 14], [`pid ${r.pid}`, 10], [r.kind, 9], [`up ${since(r.startedAt, now)}`, 10], [what, queuesWidth],
          [`seen ${since(r.lastSeenAt, now)}`, 12],
        ]);
        return <Row key={r.id} segments={[['  ', 'text'], [text, 'text']]} />;
      })}
      {more > 0 && <Row segments={[[`  … ${more} more`, 'muted']]} />}
    </>
  );
}
