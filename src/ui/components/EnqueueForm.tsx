// The "new job" form: task, JSON arguments checked against the task's schema as you type, optional name and priority.
import React from 'react';
import type { EnqueueDialog } from '../store/dialog-slice.ts';
import { Row, Rule } from './Row.tsx';
import { ChoiceField, FormField, FIELD_INDENT } from './FormField.tsx';
import { useDashboardContext } from '../context.ts';
import { argsHint } from '../args-schema.ts';
import { fit } from '../text.ts';
import { sanitizeLine } from '../../text/terminal.ts';

export function EnqueueForm({ dialog, width }: { dialog: EnqueueDialog; width: number }): React.ReactElement {
  const { api } = useDashboardContext();
  const taskName = dialog.tasks[dialog.taskIndex];
  const task = api.tasks().find((t) => t.name === taskName);
  const status = dialog.busy
    ? (['  enqueueing…', 'muted'] as const)
    : dialog.error
      ? ([`  ✗ ${dialog.error}`, 'error'] as const)
      : dialog.problem
        ? ([`  ✗ ${dialog.problem}`, 'error'] as const)
        : (['  ✓ arguments look valid: Enter enqueues', 'ok'] as const);
  return (
    <>
      <Rule title="New job" width={width} />
      <ChoiceField label="task" value={sanitizeLine(taskName)} focused={dialog.focus === 'task'} width={width} />
      <Row segments={[[fit(`${FIELD_INDENT}${sanitizeLine(task?.description ?? '')}`, width), 'muted']]} />
      <FormField label="args" field={dialog.fields.args} focused={dialog.focus === 'args'} width={width} />
      <Row segments={[[fit(`${FIELD_INDENT}takes ${task ? argsHint(task) : '?'}`, width), 'muted']]} />
      <FormField label="name" field={dialog.fields.name} focused={dialog.focus === 'name'} width={width} />
      <FormField label="priority" field={dialog.fields.priority} focused={dialog.focus === 'priority'} width={width} />
      <Row segments={[['', 'text']]} />
      <Row segments={[[fit(status[0], width), status[1]]]} />
    </>
  );
}
