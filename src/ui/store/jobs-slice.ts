// The job list screen: one queue, one state tab, an optional filter, and the rows loaded so far (keyset pages).
import type { JobSummary, StateFilter } from '../../runner/types.ts';
import type { SliceCreator } from './index.ts';

export const TABS: readonly StateFilter[] = ['waiting', 'scheduled', 'active', 'retry', 'failed', 'completed', 'cancelled'];

export interface JobListState {
  task: string;
  tab: StateFilter;
  /** the filter in effect */
  filter: string;
  /** the filter being typed, null when not editing */
  filterDraft: string | null;
  rows: JobSummary[];
  next: string | null;
  /** identity of the query the rows belong to (task, tab, filter) */
  key: string;
  loading: boolean;
  error: string | null;
  index: number;
  /** matching jobs (countJobs) when a filter is set; the tab counts come from the snapshot otherwise */
  total: number | null;
}

export interface JobsSlice {
  jobList: JobListState;
  openJobList(task: string, tab?: StateFilter): void;
  setTab(tab: StateFilter): void;
  setJobIndex(index: number): void;
  setFilterDraft(draft: string | null): void;
  /** applies the draft as the filter (Enter) */
  commitFilter(): void;
  clearFilter(): void;
  setJobsLoading(key: string): void;
  /** rows for `key`; append adds a following page, otherwise the rows are replaced keeping the selected job */
  setJobRows(key: string, rows: JobSummary[], next: string | null, append: boolean): void;
  setJobsError(key: string, error: string): void;
  setJobTotal(key: string, total: number | null): void;
}

export function listKey(task: string, tab: StateFilter, filter: string): string {
  return JSON.stringify([task, tab, filter]);
}

function freshList(task: string, tab: StateFilter, filter = ''): JobListState {
  return { task, tab, filter, filterDraft: null, rows: [], next: null, key: listKey(task, tab, filter), loading: true, error: null, index: 0, total: null };
}

/**
 * The list for another query of the same queue. The same query keeps its rows: the list reloads when its key
 * changes, so emptying it under an unchanged key would leave "loading…" until the next safety refresh.
 */
function requery(l: JobListState, tab: StateFilter, filter: string): JobListState {
  if (listKey(l.task, tab, filter) === l.key) return l.filterDraft === null ? l : { ...l, filterDraft: null };
  return freshList(l.task, tab, filter);
}

export const createJobsSlice: SliceCreator<JobsSlice> = (set) => {
  const update = (fn: (l: JobListState) => Partial<JobListState> | null) =>
    set((s) => {
      const patch = fn(s.jobList);
      return patch ? { jobList: { ...s.jobList, ...patch } } : {};
    });
  return {
    jobList: freshList('', 'waiting'),
    openJobList: (task, tab = 'waiting') => set({ jobList: freshList(task, tab) }),
    setTab: (tab) => set((s) => ({ jobList: requery(s.jobList, tab, s.jobList.filter) })),
    setJobIndex: (index) => update((l) => ({ index: Math.max(0, Math.min(index, l.rows.length - 1)) })),
    setFilterDraft: (filterDraft) => update(() => ({ filterDraft })),
    commitFilter: () => set((s) => ({ jobList: requery(s.jobList, s.jobList.tab, (s.jobList.filterDraft ?? s.jobList.filter).trim()) })),
    clearFilter: () => set((s) => ({ jobList: requery(s.jobList, s.jobList.tab, '') })),
    setJobsLoading: (key) => update((l) => (l.key === key ? { loading: true } : null)),
    setJobRows: (key, rows, next, append) =>
      update((l) => {
        if (l.key !== key) return null;
        if (append) return { rows: [...l.rows, ...rows], next, loading: false, error: null };
        const selectedId = l.rows[l.index]?.id;
        const kept = selectedId === undefined ? -1 : rows.findIndex((r) => r.id === selectedId);
        const index = kept >= 0 ? kept : Math.max(0, Math.min(l.index, rows.length - 1));
        return { rows, next, loading: false, error: null, index };
      }),
    setJobsError: (key, error) => update((l) => (l.key === key ? { loading: false, error } : null)),
    setJobTotal: (key, total) => update((l) => (l.key === key ? { total } : null)),
  };
};
