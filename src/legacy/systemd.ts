// The old worker's systemd unit, through systemctl. No systemd (containers, tests) means "no unit".
import { execa } from 'execa';

export interface UnitState {
  unit: string;
  /** ActiveState: active, activating, deactivating, inactive, failed */
  active: string;
  mainPid: number | null;
  /** how its last run ended: success, exit-code, signal, core-dump, timeout, … */
  result: string | null;
  /** exit status of its last main process, when it exited */
  exitStatus: number | null;
  /** how often systemd restarted it (Restart=) */
  restarts: number | null;
}

/** The unit's last run ended badly (it crashed, or systemd gave up restarting it). */
export const unitCrashed = (u: UnitState) => u.active === 'failed' || (u.result !== null && u.result !== 'success');

const SYSTEMCTL_TIMEOUT_MS = 10_000;

/** The unit's state, or null when systemd is not running here or does not know the unit. */
export async function inspectUnit(unit: string | null): Promise<UnitState | null> {
  if (!unit) return null;
  try {
    const r = await execa('systemctl', ['show', '--property=LoadState,ActiveState,MainPID,Result,ExecMainStatus,NRestarts', serviceName(unit)], {
      reject: false,
      timeout: SYSTEMCTL_TIMEOUT_MS,
    });
    if (r.exitCode !== 0) return null;
    const props = Object.fromEntries(
      String(r.stdout)
        .split('\n')
        .map((l) => l.split('='))
        .filter((p) => p.length >= 2)
        .map(([k, ...v]) => [k.trim(), v.join('=').trim()]),
    );
    if (props.LoadState !== 'loaded') return null;
    const pid = Number(props.MainPID);
    const number = (v: string | undefined) => (v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : null);
    return {
      unit: serviceName(unit),
      active: props.ActiveState ?? 'unknown',
      mainPid: pid > 0 ? pid : null,
      result: props.Result || null,
      exitStatus: number(props.ExecMainStatus),
      restarts: number(props.NRestarts),
    };
  } catch {
    return null;
  }
}

export const unitRunning = (u: UnitState | null) => !!u && ['active', 'activating', 'reloading', 'deactivating'].includes(u.active);

/** `systemctl stop|start <unit>`; resolves with systemctl's complaint (one line) or null on success. */
export async function systemctl(action: 'stop' | 'start', unit: string, timeoutMs: number): Promise<string | null> {
  const r = await execa('systemctl', [action, serviceName(unit)], { reject: false, timeout: timeoutMs });
  if (r.exitCode === 0) return null;
  const why = String(r.stderr || r.stdout || '').trim().split('\n')[0] || (r.timedOut ? `timed out after ${Math.round(timeoutMs / 1000)}s` : `exit code ${r.exitCode}`);
  return `systemctl ${action} ${serviceName(unit)} failed: ${why}`;
}

export function serviceName(unit: string): string {
  return /\.(service|scope)$/.test(unit) ? unit : `${unit}.service`;
}
