// Common command-line flags of the benchmark scripts.
import { parseArgs } from 'node:util';

export interface BenchFlags {
  /** repetitions per measured system (at least 3 for reported numbers) */
  reps: number;
  /** smaller sizes for a smoke run; numbers are not comparable with full runs */
  quick: boolean;
}

export function benchFlags(argv = process.argv.slice(2)): BenchFlags {
  const { values } = parseArgs({
    args: argv,
    options: { reps: { type: 'string' }, quick: { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: false,
  });
  const reps = values.reps === undefined ? 3 : Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps must be a positive integer, got ${values.reps}`);
  return { reps, quick: !!values.quick };
}
