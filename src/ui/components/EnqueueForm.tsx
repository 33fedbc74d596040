// The "new job" form: task, JSON arguments (each argument's type and an example from the task's schema, checked as
// you type), then the enqueue options: name, priority, delay, retries and a job to depend on.
import React from 'react';
import type { EnqueueDialog } from '../store/dialog-slice.ts';
import { Row, Rule } from './Row.tsx';
import { ChoiceField, FormField, FIELD_INDENT } from './FormField.tsx';
import { useDashboard, useDashboardContext } from '../context.ts';
import { argLines, exampleArgs } from '../args-schema.ts';
import { missingTablesLines } from '../actions/ifdb-check.ts';
import { fit, widthOf } from '../text.ts';
import { sanitizeLine } from '../../text/terminal.ts';
import type { Token } from '../theme.ts';

/** argument lines shown at most (a task with more shows "… n more"; all are in the example) */
const MAX_ARG_LINES = 4;

export function EnqueueForm({ dialog, width }: { dialog: EnqueueDialog; width: number }): React.ReactElement {
  const { api } = useDashboardContext();
  const taskName = dialog.tasks[dialog.taskIndex];
  const task = api.tasks().find((t) => t.name === taskName);
  const missing = useDashboard((s) => s.ifdbMissing?.[taskName] ?? null);
  const args = task ? argLines(task) : [];
  const labelWidth = Math.min(16, Math.max(0, ...args.map((a) => widthOf(a.label))) + 2);
  const shownArgs = args.length > MAX_ARG_LINES ? args.slice(0, MAX_ARG_LINES - 1) : args;
  const status: ReadonlyArray<readonly [string, Token]> = dialog.busy
    ? [['  enqueueing…', 'muted']]
    : dialog.error
      ? [[`  ✗ ${dialog.error}`, 'error']]
      : dialog.problem
        ? [[`  ✗ ${dialog.problem}`, 'error']]
        : missing
          ? missingTablesLines(taskName, missing).map((line, i) => [`  ${i === 0 ? '!' : ' '} ${line}${i === 1 ? ' Enter enqueues anyway.' : ''}`, 'warn'] as const)
          : [['  ✓ looks valid: Enter enqueues', 'ok']];
  const f = dialog.fields;
  const focus = dialog.focus;
  const retries = task ? `task default: ${task.retry.retries}` : '';
  return (
    <>
      <Rule title="New job" width={width} />
      <ChoiceField label="task" value={sanitizeLine(taskName)} focused={focus === 'task'} width={width} />
      <Row segments={[[fit(`${FIELD_INDENT}${sanitizeLine(task?.description ?? '')}`, width), 'muted']]} />
      <FormField label="args" field={f.args} focused={focus === 'args'} width={width} />
      {args.length === 0 && <Row segments={[[fit(`${FIELD_INDENT}takes no arguments`, width), 'muted']]} />}
      {shownArgs.map((a) => (
        <Row key={a.name} segments={[[FIELD_INDENT, 'text'], [fit(a.label, labelWidth), 'text'], [fit(a.text, Math.max(0, width - widthOf(FIELD_INDENT) - labelWidth)), 'muted']]} />
      ))}
      {args.length > shownArgs.length && <Row segments={[[fit(`${FIELD_INDENT}… ${args.length - shownArgs.length} more (see the example)`, width), 'muted']]} />}
      {task && args.length > 0 && <Row segments={[[fit(`${FIELD_INDENT}e.g. ${sanitizeLine(exampleArgs(task))}`, width), 'muted']]} />}
      <FormField label="name" field={f.name} focused={focus === 'name'} width={width} placeholder="optional, e.g. CloneUrl(123)" />
      <FormField label="priority" field={f.priority} focused={focus === 'priority'} width={width} placeholder="100 (lower runs sooner)" />
      <FormField label="delay" field={f.delay} focused={focus === 'delay'} width={width} placeholder="now; or e.g. 10m, 2h, 1d" />
      <FormField label="retries" field={f.retries} focused={focus === 'retries'} width={width} placeholder={retries} />
      <FormField label="depends on" field={f.dependsOn} focused={focus === 'dependsOn'} width={width} placeholder="nothing; or a job id or name" />
      <Row segments={[['', 'text']]} />
      {status.map(([text, tone], i) => (
        <Row key={i} segments={[[fit(text, width), tone]]} />
      ))}
    </>
  );
}
