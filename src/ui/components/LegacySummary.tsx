// One line about IFDB's old queue: is its worker still running, what is left in its table, is the bridge on.
import React from 'react';
import type { LegacyStatus } from '../../legacy/types.ts';
import { Row } from './Row.tsx';
import { sanitizeLine } from '../../text/terminal.ts';

export function legacyWorkerText(s: LegacyStatus): string {
  if (!s.workerAlive) return 'old worker: stopped';
  const where = [s.workerPid ? `pid ${s.workerPid}` : null, s.unit ? sanitizeLine(s.unit) : null].filter(Boolean).join(', ');
  return `old worker: running${where ? ` (${where})` : ''}`;
}

export function LegacySummary({ status, error }: { status: LegacyStatus | null; error: string | null }): React.ReactElement {
  if (!status) return <Row segments={[[`  ${error ? `legacy status unavailable: ${error}` : 'reading legacy status…'}`, error ? 'error' : 'muted']]} />;
  return (
    <Row
      segments={[
        ['  ', 'text'],
        [legacyWorkerText(status), status.workerAlive ? 'warn' : 'ok'],
        [`   legacy rows: ${status.pending} pending, ${status.running} running, ${status.orphaned} orphaned`, 'text'],
        [`   bridge: ${status.bridge ? 'on' : 'off'}`, 'muted'],
      ]}
    />
  );
}
