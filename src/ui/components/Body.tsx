// The part between header and flash line: a dialog, the help screen, or the current screen.
import React from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useDashboard } from '../context.ts';
import { currentScreen } from '../store/view-slice.ts';
import { bodyRows } from '../layout.ts';
import { Overview } from './Overview.tsx';
import { JobList } from './JobList.tsx';
import { JobDetail } from './JobDetail.tsx';
import { Schedules } from './Schedules.tsx';
import { LegacyScreen } from './LegacyScreen.tsx';
import { HelpScreen } from './HelpScreen.tsx';
import { Confirm } from './Confirm.tsx';
import { EnqueueForm } from './EnqueueForm.tsx';
import { ImportPicker } from './ImportPicker.tsx';
import { ScheduleEditor } from './ScheduleEditor.tsx';
import { CleanupForm } from './CleanupForm.tsx';
import { QuitScreen } from './QuitScreen.tsx';

export function Body({ width, rows }: { width: number; rows: number }): React.ReactElement {
  const b = useDashboard(useShallow((s) => ({ quitting: s.quitting, dialog: s.dialog, help: s.helpOpen, screen: currentScreen(s.stack).kind, offline: s.connected === false })));
  const height = bodyRows(rows);
  if (b.quitting) return <QuitScreen progress={b.quitting} offline={b.offline} width={width} />;
  switch (b.dialog?.kind) {
    case 'confirm': return <Confirm dialog={b.dialog} width={width} height={height} />;
    case 'enqueue': return <EnqueueForm dialog={b.dialog} width={width} />;
    case 'import': return <ImportPicker dialog={b.dialog} width={width} />;
    case 'schedule': return <ScheduleEditor dialog={b.dialog} width={width} />;
    case 'cleanup': return <CleanupForm dialog={b.dialog} width={width} />;
  }
  if (b.help) return <HelpScreen width={width} height={height} />;
  switch (b.screen) {
    case 'jobs': return <JobList width={width} rows={rows} />;
    case 'job': return <JobDetail width={width} rows={rows} />;
    case 'schedules': return <Schedules width={width} rows={rows} />;
    case 'legacy': return <LegacyScreen width={width} />;
    default: return <Overview width={width} height={height} />;
  }
}
