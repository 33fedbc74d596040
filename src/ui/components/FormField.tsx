// A labelled row of a form: "› args   {…}" with the focus marked by › and the cursor.
import React from 'react';
import { Box, Text } from 'ink';
import { TextInput } from './TextInput.tsx';
import type { TextField } from '../keys/text-edit.ts';
import { useTheme } from '../theme.ts';
import { fit, truncate } from '../text.ts';

/** label column: the widest label ("depends on") and a gap */
const LABEL = 12;
/** where a field's value starts: hint rows under a field are indented by this */
export const FIELD_INDENT = ' '.repeat(3 + LABEL);

export function FormField({ label, field, focused, width }: { label: string; field: TextField; focused: boolean; width: number }): React.ReactElement {
  const theme = useTheme();
  return (
    <Box width={width} height={1}>
      <Text {...(focused ? theme.accent : theme.muted)}>{`${focused ? ' › ' : '   '}${fit(label, LABEL)}`}</Text>
      <TextInput field={field} width={Math.max(1, width - LABEL - 3)} focused={focused} />
    </Box>
  );
}

/** A choice field: "› task     ‹ demo-sleep ›" */
export function ChoiceField({ label, value, focused, width, fixed = false }: { label: string; value: string; focused: boolean; width: number; fixed?: boolean }): React.ReactElement {
  const theme = useTheme();
  const shown = fixed ? value : focused ? `‹ ${value} ›  (←/→ to change)` : value;
  return (
    <Box width={width} height={1}>
      <Text {...(focused ? theme.accent : theme.muted)}>{`${focused ? ' › ' : '   '}${fit(label, LABEL)}`}</Text>
      <Text wrap="truncate">{truncate(shown, Math.max(1, width - LABEL - 3))}</Text>
    </Box>
  );
}
