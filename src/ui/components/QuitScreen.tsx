// Shown while a graceful quit waits for the embedded runner: how many jobs still run and how long until
// they are returned — or, with the database unreachable, that nothing can be recorded and the quit is bounded.
import React from 'react';
import { Row } from './Row.tsx';
import type { QuitProgress } from '../store/view-slice.ts';
import { plural } from '../format.ts';
import { fit } from '../text.ts';

export function QuitScreen({ progress, offline = false, width }: { progress: QuitProgress; offline?: boolean; width: number }): React.ReactElement {
  const lines: Array<[string, 'title' | 'text' | 'muted']> = [
    ['', 'text'],
    ['  Stopping the embedded runner…', 'title'],
    [
      offline
        ? '  The database is unreachable: nothing can be recorded, so ifqueue quits within 5 s.'
        : progress.running < 0
        ? '  Waiting for the runner to report its running jobs…'
        : progress.running > 0
          ? `  ${plural(progress.running, 'job')} still running; ${progress.remainingSeconds} s left before they are returned to the queue.`
          : '  No job is running; closing.',
      'text',
    ],
    offline
      ? ['  Running jobs are recovered by the next runner once the database is back.', 'muted']
      : ['  New jobs are no longer taken. Ctrl+C again quits at once.', 'muted'],
  ];
  return (
    <>
      {lines.map(([text, tone], i) => (
        <Row key={i} segments={[[fit(text, width), tone]]} />
      ))}
    </>
  );
}
