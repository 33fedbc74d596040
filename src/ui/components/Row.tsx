// One terminal row made of styled segments; the caller has already fitted the text to the width.
import React from 'react';
import { Text } from 'ink';
import { useTheme, type Token } from '../theme.ts';
import { stableWidthText } from '../../text/terminal.ts';
import { truncate, widthOf } from '../text.ts';

export type Segment = readonly [text: string, tone?: Token];

export function Row({ segments, selected = false }: { segments: readonly Segment[]; selected?: boolean }): React.ReactElement {
  const theme = useTheme();
  // An empty Text has no height in Ink's layout; a blank row must still take its line.
  if (segments.every(([text]) => text === '')) return <Text> </Text>;
  // A selected row is one even bar: per-cell colours inverted would read as a patchwork.
  if (selected) return <Text wrap="truncate" {...theme.selected}>{stableWidthText(segments.map(([text]) => text).join(''))}</Text>;
  // Cells were fitted by text.ts, which measured them after stableWidthText; text that was not fitted gets the
  // same reduction here, so nothing reaches the terminal that a terminal might draw wider than measured.
  return (
    <Text wrap="truncate">
      {segments.map(([text, tone], i) => (
        <Text key={i} {...(tone ? theme[tone] : {})}>
          {stableWidthText(text)}
        </Text>
      ))}
    </Text>
  );
}

/** A section rule: "─ Queues ─────────" across the width. */
export function Rule({ title, width, extra = '' }: { title: string; width: number; extra?: string }): React.ReactElement {
  const head = `─ ${title}${extra ? ` · ${extra}` : ''} `;
  const used = widthOf(head);
  const [left, rest] = used >= width ? [truncate(head, width), ''] : [head, '─'.repeat(width - used)];
  return <Row segments={[[left, 'title'], [rest, 'rule']]} />;
}
