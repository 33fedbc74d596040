// Add or edit a schedule; the cron expression is checked as you type and the next fire times are shown.
import React from 'react';
import type { ScheduleDialog } from '../store/dialog-slice.ts';
import { Row, Rule } from './Row.tsx';
import { ChoiceField, FormField, FIELD_INDENT } from './FormField.tsx';
import { clock, until } from '../format.ts';
import { fit } from '../text.ts';
import { sanitizeLine } from '../../text/terminal.ts';

export function ScheduleEditor({ dialog, width }: { dialog: ScheduleDialog; width: number }): React.ReactElement {
  const now = Date.now();
  const p = dialog.preview;
  const cronLine = !p
    ? ([`${FIELD_INDENT}…`, 'muted'] as const)
    : p.ok
      ? ([`${FIELD_INDENT}✓ next ${p.next[0] ? `${clock(p.next[0], now)} (${until(p.next[0], now)})` : '—'}${p.next.length > 1 ? `, then ${p.next.slice(1, 3).map((n) => clock(n, now)).join(', ')}` : ''}`, 'ok'] as const)
      : ([`${FIELD_INDENT}✗ ${sanitizeLine(p.error)}`, 'error'] as const);
  const status = dialog.busy
    ? (['  saving…', 'muted'] as const)
    : dialog.error
      ? ([`  ✗ ${dialog.error}`, 'error'] as const)
      : dialog.problem
        ? ([`  ✗ ${dialog.problem}`, 'error'] as const)
        : (['  ✓ Enter saves', 'ok'] as const);
  return (
    <>
      <Rule title={dialog.mode === 'add' ? 'Add schedule' : 'Edit schedule'} width={width} />
      <ChoiceField label="task" value={sanitizeLine(dialog.tasks[dialog.taskIndex])} focused={dialog.focus === 'task'} width={width} fixed={dialog.mode === 'edit'} />
      <FormField label="cron" field={dialog.fields.cron} focused={dialog.focus === 'cron'} width={width} />
      <Row segments={[[fit(cronLine[0], width), cronLine[1]]]} />
      <FormField label="time zone" field={dialog.fields.tz} focused={dialog.focus === 'tz'} width={width} />
      <FormField label="args" field={dialog.fields.args} focused={dialog.focus === 'args'} width={width} />
      <FormField label="key" field={dialog.fields.key} focused={dialog.focus === 'key'} width={width} />
      <Row segments={[['', 'text']]} />
      <Row segments={[[fit(status[0], width), status[1]]]} />
    </>
  );
}
