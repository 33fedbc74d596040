// Bounds on job arguments, checked before anything else touches them: JSON.stringify (pg, zod's
// error paths, `jobs --json`) recurses and overflows the stack near 5 000 levels, a 10 MB payload
// is copied into every listing, and PostgreSQL rejects NUL and lone surrogates with a raw error.
// We reject such arguments with a one-line message instead of changing the payload silently: a job
// must run with exactly what its caller sent.

export interface ArgsLimits {
  /** bytes of the JSON text (UTF-8) */
  bytes: number;
  /** levels of objects/arrays; `{}` is 1 */
  depth: number;
}

/** What a person or program may send (CLI, dashboard, API, schedules). */
export const INPUT_ARGS_LIMITS: ArgsLimits = { bytes: 1024 * 1024, depth: 32 };

/**
 * What the runner stores on any path. Twice the input limits, so that the arguments of a job that
 * passed them still fit inside the wrapper its on-fail handler receives ({ job: { args }, error }).
 */
export const STORED_ARGS_LIMITS: ArgsLimits = { bytes: 2 * INPUT_ARGS_LIMITS.bytes, depth: 2 * INPUT_ARGS_LIMITS.depth };

const NUL = '\u0000';
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const describeBytes = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(n % (1024 * 1024) ? 1 : 0)} MiB` : `${Math.ceil(n / 1024)} KiB`);

function stringProblem(text: string): string | null {
  if (text.includes(NUL)) return 'contains a NUL character (U+0000), which PostgreSQL cannot store';
  if (LONE_SURROGATE.test(text)) return 'contains a lone UTF-16 surrogate (invalid Unicode), which PostgreSQL cannot store';
  return null;
}

const pathOf = (parent: string, key: string | number) => (typeof key === 'number' ? `${parent}[${key}]` : parent ? `${parent}.${key}` : key);

/**
 * Why `args` cannot be a job's arguments under `limits`, as one line, or null. The walk is
 * iterative: a value nested far beyond the limit is measured without recursion.
 */
export function argsProblem(args: unknown, limits: ArgsLimits = INPUT_ARGS_LIMITS): string | null {
  const seen = new Set<object>();
  const stack: [value: unknown, depth: number, path: string][] = [[args, 0, '']];
  while (stack.length > 0) {
    const [value, depth, path] = stack.pop()!;
    const where = path || '(arguments)';
    if (typeof value === 'string') {
      const why = stringProblem(value);
      if (why) return `argument ${where} ${why}`;
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth + 1 > limits.depth) return `arguments are nested deeper than ${limits.depth} levels (at ${where}); the limit is ${limits.depth}`;
    if (seen.has(value)) return `arguments contain a cycle (at ${where})`;
    seen.add(value);
    if (Array.isArray(value)) {
      value.forEach((item, index) => stack.push([item, depth + 1, pathOf(path, index)]));
    } else {
      for (const [key, item] of Object.entries(value)) {
        const why = stringProblem(key);
        if (why) return `argument name ${JSON.stringify(key).slice(0, 60)} at ${where} ${why}`;
        stack.push([item, depth + 1, pathOf(path, key)]);
      }
    }
  }
  const text = JSON.stringify(args) ?? '';
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.bytes) return `arguments are ${describeBytes(bytes)} of JSON; the limit is ${describeBytes(limits.bytes)}`;
  return null;
}

/** The same bounds on JSON text before it is parsed: its size in bytes. */
export function argsTextProblem(text: string, limits: ArgsLimits = INPUT_ARGS_LIMITS): string | null {
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes > limits.bytes ? `arguments are ${describeBytes(bytes)} of JSON; the limit is ${describeBytes(limits.bytes)}` : null;
}
