// IFDB's old Python queue during the cutover: is its worker still running, what is left in its table, and
// stopping it. Paragraphs are word-wrapped, so 80 columns lose nothing.
import React from 'react';
import { useShallow } from 'zustand/react/shallow';
import { Row, Rule } from './Row.tsx';
import { legacyWorkerText } from './LegacySummary.tsx';
import { useDashboard } from '../context.ts';
import { wordWrap } from '../text.ts';
import type { Token } from '../theme.ts';

export function LegacyScreen({ width }: { width: number }): React.ReactElement {
  const l = useDashboard(useShallow((s) => ({ status: s.legacy, error: s.legacyError })));
  const s = l.status;
  const paragraphs: Array<readonly [string, Token]> = [];
  if (l.error) paragraphs.push([`✗ ${l.error}`, 'error']);
  if (!s && !l.error) paragraphs.push(['reading status…', 'muted']);
  if (s) {
    paragraphs.push(
      [legacyWorkerText(s), s.workerAlive ? 'warn' : 'ok'],
      [`rows in core_taskqueueelement: ${s.pending} pending, ${s.running} running, ${s.orphaned} orphaned`, 'text'],
      [`bridge into ifqueue: ${s.bridge ? 'on' : 'off (ifqueue --daemon --bridge takes new legacy rows; see docs/operations.md)'}`, 'text'],
    );
    if (s.orphaned > 0) paragraphs.push([`${s.orphaned} orphaned: started by a worker that died and never finished; ifqueue legacy adopt-orphans re-runs them.`, 'warn']);
    paragraphs.push(['', 'text'], [s.workerAlive ? 'S stops the old worker (it finishes its running task first).' : 'The old worker is stopped; ifqueue runs the jobs.', 'muted']);
  }
  const lines: Array<readonly [string, Token]> = paragraphs.flatMap(([text, tone]): Array<readonly [string, Token]> =>
    text === '' ? [['', tone]] : wordWrap(text, width - 4).map((line, i) => [`${i ? '    ' : '  '}${line}`, tone]),
  );
  return (
    <>
      <Rule title="Legacy queue" width={width} />
      {lines.map(([text, tone], i) => (
        <Row key={i} segments={[[text, tone]]} />
      ))}
    </>
  );
}
