// Machine description, console tables and the JSON result files under bench-results/.
import { cpus, freemem, loadavg, totalmem, uptime } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverVersion } from './database.ts';
import type { Spread } from './stats.ts';

export const RESULTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bench-results');

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  freeMemoryGiB: number;
  node: string;
  postgres: string;
  /** 1, 5 and 15 minute load averages: the machine may be shared */
  load: number[];
  uptimeSeconds: number;
}

export async function machineInfo(): Promise<MachineInfo> {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? 'unknown',
    cores: c.length,
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    freeMemoryGiB: +(freemem() / 2 ** 30).toFixed(1),
    node: process.version,
    postgres: await serverVersion().catch(() => 'unknown'),
    load: loadavg().map((l) => +l.toFixed(2)),
    uptimeSeconds: Math.round(uptime()),
  };
}

export const fmt = (v: number | null | undefined, digits = 1): string =>
  v == null || Number.isNaN(v) ? '–' : Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : v.toFixed(digits);

/** "median (min–max)" for a spread over repetitions. */
export const fmtSpread = (s: Spread | undefined, digits = 1): string =>
  s ? `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})` : '–';

export function printTable(title: string, headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  const text = [
    `\n${title}`,
    line(headers),
    '|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|',
    ...rows.map(line),
  ].join('\n');
  console.log(text);
  return text;
}

export interface BenchResult {
  id: string;
  title: string;
  startedAt: string;
  finishedAt: string;
  machine: { before: MachineInfo; afterLoad: number[] };
  settings: Record<string, unknown>;
  results: unknown;
  targets: { name: string; target: string; measured: string; met: boolean | null }[];
  table: string;
  notes: string[];
}

export async function writeResult(result: BenchResult): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const stamp = result.startedAt.replace(/[:.]/g, '-');
  const file = path.join(RESULTS_DIR, `${result.id}-${stamp}.json`);
  await writeFile(file, JSON.stringify(result, null, 2) + '\n');
  return file;
}

export function printTargets(targets: BenchResult['targets']): void {
  for (const t of targets) {
    const mark = t.met === null ? 'not measured' : t.met ? 'met' : 'MISSED';
    console.log(`  target ${t.name} ${t.target}: ${t.measured} — ${mark}`);
  }
}
