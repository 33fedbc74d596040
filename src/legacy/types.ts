// What the cutover reports about IFDB's old Python queue, and the handle the dashboard gets on it
// (src/legacy owns these types; the UI imports them).
export interface LegacyStatus {
  workerAlive: boolean;
  workerPid: number | null;
  /** systemd unit of the old worker, when known */
  unit: string | null;
  /** legacy queue rows by state */
  pending: number;
  running: number;
  orphaned: number;
  /** whether the bridge moving legacy rows into ifqueue is on */
  bridge: boolean;
}

export interface LegacyAdapter {
  status(): Promise<LegacyStatus>;
  stopWorker(onProgress: (message: string) => void): Promise<string>;
}
