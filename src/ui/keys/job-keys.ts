// Keys on the job detail: scrolling and following the log, the info and error-stack panes, attempts, and the
// job's actions.
import type { ScreenHandler } from './screen-keys.ts';
import type { Command } from './keymap.ts';
import { shownAttempt, shownLog, type DetailState } from '../store/detail-slice.ts';
import type { DashboardStore } from '../store/index.ts';
import { detailPaneRows } from '../layout.ts';
import { cancelJob, deleteJob, retryJob } from '../actions/job-actions.ts';
import { infoLineCount, stackLines } from '../lines/job-info-lines.ts';

function scrollLog(store: DashboardStore, d: DetailState, command: Command, page: number): boolean {
  const s = store.getState();
  const bottom = Math.max(0, shownLog(d).length - page);
  const top = d.follow ? bottom : Math.min(d.logScroll, bottom);
  const go = (n: number) => {
    const next = Math.max(0, Math.min(n, bottom));
    // Scrolling back pauses following; reaching the end resumes it, like less +F.
    s.setLogScroll(next);
    s.setFollow(next >= bottom && (command === 'down' || command === 'pageDown' || command === 'bottom'));
  };
  switch (command) {
    case 'up': go(top - 1); return true;
    case 'down': go(top + 1); return true;
    case 'pageUp': go(top - page); return true;
    case 'pageDown': go(top + page); return true;
    case 'top': go(0); return true;
    case 'bottom': go(bottom); return true;
    default: return false;
  }
}

function scrollInfo(store: DashboardStore, d: DetailState, command: Command, page: number, width: number): boolean {
  const s = store.getState();
  const total = !d.job ? 0 : d.pane === 'stack' ? stackLines(d.job, shownAttempt(d), width).length : infoLineCount(d.job, width);
  const max = Math.max(0, total - page);
  const go = (n: number) => s.setInfoScroll(Math.max(0, Math.min(n, max)));
  switch (command) {
    case 'up': go(d.infoScroll - 1); return true;
    case 'down': go(d.infoScroll + 1); return true;
    case 'pageUp': go(d.infoScroll - page); return true;
    case 'pageDown': go(d.infoScroll + page); return true;
    case 'top': go(0); return true;
    case 'bottom': go(max); return true;
    default: return false;
  }
}

export const jobKeys: ScreenHandler = (ctx, binding) => {
  const s = ctx.store.getState();
  const d = s.detail;
  const page = detailPaneRows(ctx.rows());
  if (d.pane === 'log' ? scrollLog(ctx.store, d, binding.command, page) : scrollInfo(ctx.store, d, binding.command, page, ctx.columns())) return true;
  const job = d.job;
  switch (binding.command) {
    case 'follow':
      // Following off keeps the lines on screen where they are (the end), like less leaving +F.
      if (d.follow) s.setLogScroll(Math.max(0, shownLog(d).length - page));
      s.setFollow(!d.follow);
      return true;
    case 'pane':
      s.setPane(d.pane === 'log' ? 'info' : 'log');
      return true;
    case 'stack':
      s.setPane(d.pane === 'stack' ? 'log' : 'stack');
      return true;
    case 'prevAttempt':
    case 'nextAttempt': {
      const latest = job?.attempts.length ?? 0;
      if (latest === 0) return true;
      const current = d.attempt ?? latest;
      const next = Math.max(1, Math.min(latest, current + (binding.command === 'nextAttempt' ? 1 : -1)));
      if (next !== current) s.setDetailAttempt(next === latest ? null : next);
      return true;
    }
    case 'retry':
      if (job) void retryJob(ctx, job);
      return true;
    case 'cancel':
      if (job) void cancelJob(ctx, job);
      return true;
    case 'delete':
      if (job) deleteJob(ctx, job, () => ctx.store.getState().pop());
      return true;
    default:
      return false;
  }
};
