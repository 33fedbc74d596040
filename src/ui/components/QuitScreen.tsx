// Shown while a graceful quit waits for the embedded runner: how many jobs still run and how long until they are returned.
import React from 'react';
import { Row } from './Row.tsx';
import type { QuitProgress } from '../store/view-slice.ts';
import { plural } from '../format.ts';
import { fit } from '../text.ts';

export function QuitScreen({ progress, width }: { progress: QuitProgress; width: number }): React.ReactElement {
  const lines: Array<[string, 'title' | 'text' | 'muted']> = [
    ['', 'text'],
    ['  Stopping the embedded runner…', 'title'],
    [
      progress.running < 0
        ? '  Waiting for the runner to report its running jobs…'
        : progress.running > 0
          ? `  ${plural(progress.running, 'job')} still running; ${progress.remainingSeconds} s left before they are returned to the queue.`
          : '  No job is running; closing.',
      'text',
    ],
    ['  New jobs are no longer taken. Ctrl+C again quits at once.', 'muted'],
  ];
  return (
    <>
      {lines.map(([text, tone], i) => (
        <Row key={i} segments={[[fit(text, width), tone]]} />
      ))}
    </>
  );
}
