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

interface FormFieldProps {
  label: string;
  field: TextField;
  focused: boolean;
  width: number;
  /** shown dimmed while the field is empty: the default, or an example */
  placeholder?: string;
}

export function FormField({ label, field, focused, width, placeholder }: FormFieldProps): React.ReactElement {
  const theme = useTheme();
  const room = Math.max(1, width - LABEL - 3);
  // An empty field shows its placeholder after the cursor (the cursor takes one cell, then a space).
  const hint = placeholder && field.value === '' ? truncate(`${focused ? ' ' : ''}${placeholder}`, Math.max(0, room - (focused ? 1 : 0))) : '';
  return (
    <Box width={width} height={1}>
      <Text {...(focused ? theme.accent : theme.muted)}>{`${focused ? ' › ' : '   '}${fit(label, LABEL)}`}</Text>
      <TextInput field={field} width={room} focused={focused} />
      {hint && <Text {...theme.muted}>{hint}</Text>}
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
