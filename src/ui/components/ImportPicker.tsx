// Choose which import to run, with or without dry-run.
import React from 'react';
import type { ImportDialog } from '../store/dialog-slice.ts';
import { Row, Rule } from './Row.tsx';
import { useDashboard, useDashboardContext } from '../context.ts';
import { missingTablesLines } from '../actions/ifdb-check.ts';
import { IMPORT_TASKS } from '../actions/enqueue-actions.ts';
import { fit } from '../text.ts';
import { sanitizeLine } from '../../text/terminal.ts';

export function ImportPicker({ dialog, width }: { dialog: ImportDialog; width: number }): React.ReactElement {
  const { api } = useDashboardContext();
  const tasks = api.tasks();
  const missing = useDashboard((s) => s.ifdbMissing?.[IMPORT_TASKS[dialog.choice]] ?? null);
  return (
    <>
      <Rule title="Trigger an import" width={width} />
      {IMPORT_TASKS.map((name, i) => {
        const task = tasks.find((t) => t.name === name);
        const selected = i === dialog.choice;
        const text = `${selected ? ' › ' : '   '}${fit(name, 26)} ${task ? sanitizeLine(task.description) : '(not registered in this runner)'}`;
        return <Row key={name} segments={[[fit(text, width), task ? 'text' : 'muted']]} selected={selected} />;
      })}
      <Row segments={[['', 'text']]} />
      <Row segments={[[fit(`   [${dialog.dryRun ? 'x' : ' '}] dry run: log what would be created, merged and updated, write nothing`, width), dialog.dryRun ? 'accent' : 'text']]} />
      <Row segments={[['', 'text']]} />
      <Row segments={[[fit('   An import that is already queued or running is not enqueued twice.', width), 'muted']]} />
      {missing && (
        <>
          <Row segments={[['', 'text']]} />
          {missingTablesLines(IMPORT_TASKS[dialog.choice], missing).map((line, i) => (
            <Row key={i} segments={[[fit(`   ${i === 0 ? '!' : ' '} ${line}`, width), 'warn']]} />
          ))}
          <Row segments={[[fit("     Point DATABASE_URL at IFDB's database. Enter asks first.", width), 'muted']]} />
        </>
      )}
    </>
  );
}
