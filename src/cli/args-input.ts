// `--args`: JSON given inline, from a file (`@path`) or from stdin (`-`), bounded before it is parsed
// and checked (size, depth, NUL, lone surrogates) before anything is enqueued. A megabyte does not
// fit on a command line (Linux caps one argument at 128 KiB: E2BIG), hence the file and stdin forms.
import { open } from 'node:fs/promises';
import { argsProblem, argsTextProblem, INPUT_ARGS_LIMITS } from '../runner/args-limits.ts';
import { UserError } from '../runner/errors.ts';

/** Reads at most `limit + 1` bytes, enough to tell that the input is over the limit. */
async function readBounded(chunks: AsyncIterable<Buffer | string>, limit: number): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    parts.push(buffer);
    size += buffer.length;
    if (size > limit) break;
  }
  return Buffer.concat(parts).toString('utf8');
}

async function readSource(value: string, option: string): Promise<string> {
  const limit = INPUT_ARGS_LIMITS.bytes;
  if (value === '-') return readBounded(process.stdin, limit);
  if (!value.startsWith('@')) return value;
  const path = value.slice(1);
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new UserError(`${option} ${value}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    return await readBounded(handle.createReadStream({ end: limit }), limit);
  } finally {
    await handle.close().catch(() => {});
  }
}

/** The parsed arguments of `--args` (inline JSON, @file or - for stdin); a UserError names what is wrong. */
export async function readArgsOption(value: string | undefined, option = '--args'): Promise<unknown> {
  if (value === undefined) return {};
  const text = await readSource(value, option);
  const tooBig = argsTextProblem(text);
  if (tooBig) throw new UserError(`${option}: ${tooBig} (${option} @file and ${option} - read the same limit)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${option} is not valid JSON: ${(error as Error).message}`);
  }
  const problem = argsProblem(parsed, INPUT_ARGS_LIMITS);
  if (problem) throw new UserError(`${option}: ${problem}`);
  return parsed;
}
