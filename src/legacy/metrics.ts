// The cutover's gauges for the metrics server: legacy rows by state, the bridge's lag, the switch
// and live bridge processes. Reported only where IFDB's legacy table exists.
import type pg from 'pg';
import { Gauge, type Registry } from 'prom-client';
import type { MetricsCollector } from '../runner/metrics.ts';
import { countRows } from './rows.ts';
import { bridgeProcesses } from './status.ts';
import { bridgeSwitch, ensureLegacyStore, legacyTableExists } from './store.ts';

export function legacyMetrics(db: pg.Pool): MetricsCollector {
  return (registry: Registry) => {
    const g = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });
    const rows = g('ifqueue_legacy_rows', 'Rows of the legacy core_taskqueueelement table by state', ['state']);
    const lag = g('ifqueue_legacy_bridge_lag_seconds', 'How long the oldest takeable legacy row has been waiting for the bridge (0 when none)');
    const enabled = g('ifqueue_legacy_bridge_enabled', '1 when bridging of legacy rows is switched on');
    const bridges = g('ifqueue_legacy_bridges', 'Live legacy bridge processes');
    return async () => {
      for (const gauge of [rows, lag, enabled, bridges]) gauge.reset();
      if (!(await legacyTableExists(db))) return;
      await ensureLegacyStore(db);
      const [c, on, processes] = await Promise.all([countRows(db), bridgeSwitch(db), bridgeProcesses(db)]);
      for (const state of ['pending', 'due', 'unfinished', 'bridged', 'succeeded', 'failed'] as const) rows.set({ state }, c[state]);
      lag.set(c.lagSeconds);
      enabled.set(on ? 1 : 0);
      bridges.set(processes.filter((b) => b.live).length);
    };
  };
}
