// Row budgets shared by the screens and the key handlers (which need page sizes), so both agree.
export const MIN_COLUMNS = 80;
export const MIN_ROWS = 24;

/** header, flash line and footer */
const CHROME_ROWS = 3;

export function bodyRows(rows: number): number {
  return Math.max(1, rows - CHROME_ROWS);
}

/** job list: tab bar, column header and status line around the rows */
export function jobListRows(rows: number): number {
  return Math.max(1, bodyRows(rows) - 3);
}

/** job detail: state line, args line, progress line and pane rule above the pane */
export function detailPaneRows(rows: number): number {
  return Math.max(1, bodyRows(rows) - 4);
}

/** schedules: column header, then the list, then the selected schedule's details */
export const SCHEDULE_DETAIL_ROWS = 7;
export function scheduleListRows(rows: number): number {
  return Math.max(1, bodyRows(rows) - 1 - SCHEDULE_DETAIL_ROWS);
}

export function helpRows(rows: number): number {
  return Math.max(1, bodyRows(rows) - 1);
}

/** First row to show so that `index` stays visible in a window of `height` rows, keeping it near the middle. */
export function windowStart(index: number, length: number, height: number): number {
  if (length <= height) return 0;
  const start = index - Math.floor(height / 2);
  return Math.max(0, Math.min(start, length - height));
}
