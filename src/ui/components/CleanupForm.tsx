// The cleanup form: how old finished jobs must be (IFQUEUE_RETENTION_DAYS by default) and whether failed ones go too.
import React from 'react';
import type { CleanupDialog } from '../store/dialog-slice.ts';
import { Row, Rule } from './Row.tsx';
import { ChoiceField, FormField, FIELD_INDENT } from './FormField.tsx';
import { useDashboardContext } from '../context.ts';
import { cleanupAge } from '../actions/job-actions.ts';
import { ageWords } from '../../text/duration.ts';
import { fit } from '../text.ts';
import { sanitizeLine } from '../../text/terminal.ts';


export function CleanupForm({ dialog, width }: { dialog: CleanupDialog; width: number }): React.ReactElement {
  const { retentionDays } = useDashboardContext();
  const age = cleanupAge(dialog);
  const scope = dialog.task ? sanitizeLine(dialog.task) : 'all queues';
  const what = dialog.includeFailed ? 'completed, cancelled and failed jobs' : 'completed and cancelled jobs (failed ones stay)';
  const summary: ReadonlyArray<readonly [string, 'text' | 'muted' | 'error']> = dialog.busy
    ? [['  counting…', 'muted']]
    : dialog.problem || 'problem' in age
      ? [[`  ✗ ${dialog.problem ?? ('problem' in age ? age.problem : '')}`, 'error']]
      : [
          [`  Deletes ${what}`, 'text'],
          [`  in ${scope}, finished more than ${ageWords(age.seconds)} ago.`, 'text'],
          ['  Enter counts them first, then asks.', 'muted'],
        ];
  return (
    <>
      <Rule title={`Cleanup ${scope}`} width={width} />
      <FormField label="older than" field={dialog.age} focused={dialog.focus === 'age'} width={width} />
      <Row segments={[[fit(`${FIELD_INDENT}e.g. 30d, 12h, 30m; default ${retentionDays}d from IFQUEUE_RETENTION_DAYS`, width), 'muted']]} />
      <ChoiceField label="failed too" value={dialog.includeFailed ? '[x] yes' : '[ ] no'} focused={dialog.focus === 'failed'} width={width} fixed />
      <Row segments={[[fit(`${FIELD_INDENT}Space switches; failed jobs are kept unless you say so`, width), 'muted']]} />
      <Row segments={[['', 'text']]} />
      {summary.map(([text, tone], i) => (
        <Row key={i} segments={[[fit(text, width), tone]]} />
      ))}
    </>
  );
}
