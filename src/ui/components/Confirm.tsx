// The question before a bulk or destructive action, naming the action, the count and the scope.
import React from 'react';
import { Box } from 'ink';
import type { ConfirmDialog } from '../store/dialog-slice.ts';
import { Row } from './Row.tsx';
import { fit, truncate, widthOf, wordWrap } from '../text.ts';
import { sanitizeLine } from '../../text/terminal.ts';

export function Confirm({ dialog, width, height }: { dialog: ConfirmDialog; width: number; height: number }): React.ReactElement {
  const inner = Math.min(width - 4, Math.max(40, widthOf(dialog.message) + 2, widthOf(dialog.detail ?? '') + 2));
  const title = truncate(` ${sanitizeLine(dialog.title)} `, inner - 2);
  // Wrapped, not cut: the question and its consequences are the point of the box.
  const wrapped = (text: string) => wordWrap(sanitizeLine(text), inner - 2).map((line) => `│ ${fit(line, inner - 2)} │`);
  const lines = [
    `┌─${title}${'─'.repeat(Math.max(0, inner - widthOf(title) - 1))}┐`,
    ...wrapped(dialog.message),
    ...(dialog.detail ? wrapped(dialog.detail) : []),
    `│ ${fit('[Enter] yes   [Esc] no', inner - 2, 'right')} │`,
    `└${'─'.repeat(inner)}┘`,
  ];
  const messageRows = wrapped(dialog.message).length;
  const top = Math.max(0, Math.floor((height - lines.length) / 3));
  const left = ' '.repeat(Math.max(0, Math.floor((width - inner - 2) / 2)));
  return (
    <Box flexDirection="column" marginTop={top}>
      {lines.map((line, i) => (
        <Row key={i} segments={[[left, 'text'], [line, i === 1 ? 'title' : 'warn']]} />
      ))}
    </Box>
  );
}
