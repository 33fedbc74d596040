// IFDB's old Python queue during the cutover: is its worker still running, and stopping it.
import React from 'react';
import { useShallow } from 'zustand/react/shallow';
import { Row, Rule } from './Row.tsx';
import { legacyWorkerText } from './LegacySummary.tsx';
import { useDashboard } from '../context.ts';
import { fit } from '../text.ts';

export function LegacyScreen({ width }: { width: number }): React.ReactElement {
  const l = useDashboard(useShallow((s) => ({ status: s.legacy, error: s.legacyError })));
  const s = l.status;
  return (
    <>
      <Rule title="Legacy queue" width={width} />
      {l.error && <Row segments={[[fit(`  ✗ ${l.error}`, width), 'error']]} />}
      {!s && !l.error && <Row segments={[['  reading status…', 'muted']]} />}
      {s && (
        <>
          <Row segments={[[fit(`  ${legacyWorkerText(s)}`, width), s.workerAlive ? 'warn' : 'ok']]} />
          <Row segments={[[fit(`  rows in core_taskqueueelement: ${s.pending} pending, ${s.running} running, ${s.orphaned} orphaned`, width), 'text']]} />
          <Row segments={[[fit(`  bridge into ifqueue: ${s.bridge ? 'on' : 'off'}`, width), 'text']]} />
          <Row segments={[['', 'text']]} />
          <Row segments={[[fit(s.workerAlive ? '  S stops the old worker (it finishes its running task first).' : '  The old worker is stopped; ifqueue runs the jobs.', width), 'muted']]} />
        </>
      )}
    </>
  );
}
