// The result of the last action: ✓ done and · notes (clear themselves), ! refusals and ✗ errors (stay until the
// next key), … progress. Only what was done gets a tick.
import React from 'react';
import { Row } from './Row.tsx';
import { useDashboard, useDashboardContext } from '../context.ts';
import { useFlashTimer } from '../hooks/use-flash-timer.ts';
import { fit } from '../text.ts';
import { sanitizeLine } from '../../text/terminal.ts';

const MARK = { info: '✓', note: '·', warn: '!', error: '✗', progress: '…' } as const;
const TONE = { info: 'ok', note: 'muted', warn: 'warn', error: 'error', progress: 'muted' } as const;

export function FlashLine({ width }: { width: number }): React.ReactElement {
  const { store } = useDashboardContext();
  const flash = useDashboard((s) => s.flash);
  useFlashTimer(store, flash);
  if (!flash) return <Row segments={[['', 'text']]} />;
  return <Row segments={[[fit(` ${MARK[flash.kind]} ${sanitizeLine(flash.text)}`, width), TONE[flash.kind]]]} />;
}
