// A one-line text field with its cursor, scrolled sideways so the cursor stays visible.
import React from 'react';
import { Text } from 'ink';
import type { TextField } from '../keys/text-edit.ts';
import { useTheme } from '../theme.ts';
import { sanitizeLine, stableWidthText } from '../../text/terminal.ts';
import { truncate, widthOf } from '../text.ts';

export function TextInput({ field, width, focused }: { field: TextField; width: number; focused: boolean }): React.ReactElement {
  const theme = useTheme();
  const before = stableWidthText(sanitizeLine(field.value.slice(0, field.cursor)));
  const at = stableWidthText(sanitizeLine([...field.value.slice(field.cursor)][0] ?? ' ')) || ' ';
  const after = stableWidthText(sanitizeLine(field.value.slice(field.cursor + ([...field.value.slice(field.cursor)][0]?.length ?? 0))));
  if (!focused) return <Text wrap="truncate">{truncate(sanitizeLine(field.value), width)}</Text>;
  const room = Math.max(1, width - widthOf(at) - 1);
  const shownBefore = widthOf(before) > room ? truncate(before, room, 'start') : before;
  const shownAfter = truncate(after, Math.max(0, width - widthOf(shownBefore) - widthOf(at)));
  return (
    <Text wrap="truncate">
      {shownBefore}
      <Text {...theme.selected}>{at}</Text>
      {shownAfter}
    </Text>
  );
}
