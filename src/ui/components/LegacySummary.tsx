// One line about IFDB's old queue: is its worker still running, what is left in its table, is the bridge on.
import React from 'react';
import type { LegacyStatus } from '../../legacy/types.ts';
import { Row } from './Row.tsx';
import { sanitizeLine } from '../../text/terminal.ts';
import { fit, widthOf } from '../text.ts';

export function legacyWorkerText(s: LegacyStatus): string {
  if (!s.workerAlive) return 'old worker: stopped';
  const where = [s.workerPid ? `pid ${s.workerPid}` : null, s.unit ? sanitizeLine(s.unit) : null].filter(Boolean).join(', ');
  return `old worker: running${where ? ` (${where})` : ''}`;
}

export function LegacySummary({ status, error, width }: { status: LegacyStatus | null; error: string | null; width: number }): React.ReactElement {
  if (!status) return <Row segments={[[fit(`  ${error ? `legacy status unavailable: ${error}` : 'reading legacy status…'}`, width), error ? 'error' : 'muted']]} />;
  const worker = `  ${legacyWorkerText(status)}`;
  const rows = `   rows: ${status.pending} pending, ${status.running} running, ${status.orphaned} orphaned`;
  const bridge = `   bridge ${status.bridge ? 'on' : 'off'}`;
  // The bridge goes first when the row is too narrow for all three: the screen (L) says it too.
  const withBridge = widthOf(worker + rows + bridge) <= width;
  return (
    <Row
      segments={[
        [worker, status.workerAlive ? 'warn' : 'ok'],
        [withBridge ? rows : fit(rows, Math.max(0, width - widthOf(worker))), 'text'],
        [withBridge ? bridge : '', 'muted'],
      ]}
    />
  );
}
