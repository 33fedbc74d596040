// The cutover from IFDB's legacy worker: what the CLI, the daemon and the dashboard use.
export { startBridge, enableBridging, type Bridge, type BridgeEvent, type BridgeOptions } from './bridge.ts';
export { createLegacyControl, hasLegacyQueue } from './control.ts';
export { legacyOptionsFromEnv, type LegacyOptions } from './options.ts';
export { legacyReport, reportText, toLegacyStatus, type LegacyReport } from './status.ts';
export { stopWorker } from './stop.ts';
export { adoptOrphans } from './adopt.ts';
export { rollback } from './rollback.ts';
export { retire } from './retire.ts';
export { mapLegacyCommand } from './command-map.ts';
export type { LegacyStatus, LegacyAdapter } from './types.ts';
export { cutover, type CutoverResult } from './cutover.ts';
