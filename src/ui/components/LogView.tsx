// One attempt's log: the last lines while following (tail -f), or a scrolled window; truncation markers stand out.
import React from 'react';
import type { LogLine } from '../../runner/types.ts';
import { Row, type Segment } from './Row.tsx';
import { logTime } from '../format.ts';
import { fit } from '../text.ts';
import { sanitizeLine } from '../../text/terminal.ts';
import type { Token } from '../theme.ts';

const LEVEL: Record<LogLine['level'], readonly [string, Token]> = {
  debug: ['D', 'muted'],
  info: ['I', 'text'],
  warn: ['W', 'warn'],
  error: ['E', 'error'],
};

/** First line shown, given follow mode and the scroll position. */
export function logTop(length: number, height: number, follow: boolean, scroll: number): number {
  const bottom = Math.max(0, length - height);
  return follow ? bottom : Math.min(scroll, bottom);
}

function lineSegments(line: LogLine, width: number): Segment[] {
  // The marker's own text says the same ("… N lines truncated …"): it is not repeated.
  if (line.truncated) return [[fit(`  ⋯ ${line.truncated} lines dropped here (log limit per attempt) ⋯`, width), 'warn']];
  const [letter, tone] = LEVEL[line.level] ?? LEVEL.info;
  const prefix = `${logTime(line.ts)} ${letter} `;
  return [
    [prefix, 'muted'],
    [fit(sanitizeLine(line.text), Math.max(0, width - prefix.length)), tone],
  ];
}

export function LogView({ lines, height, width, follow, scroll }: { lines: readonly LogLine[]; height: number; width: number; follow: boolean; scroll: number }): React.ReactElement {
  const top = logTop(lines.length, height, follow, scroll);
  const shown = lines.slice(top, top + height);
  return (
    <>
      {lines.length === 0 && <Row segments={[['  no log lines yet', 'muted']]} />}
      {shown.map((line) => (
        <Row key={`${line.attempt}:${line.seq}`} segments={lineSegments(line, width)} />
      ))}
    </>
  );
}
