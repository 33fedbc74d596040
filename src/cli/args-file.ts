// Reads `enqueue --args-file`: JSON lines, one arguments object per line, from a file or stdin ("-").
// Blank lines are skipped; the first bad line (not JSON, or past the bounds of --args) is a one-line
// error naming its number.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { argsProblem, argsTextProblem, INPUT_ARGS_LIMITS } from '../runner/args-limits.ts';
import { UserError, errorMessage } from '../runner/errors.ts';

export interface ArgsLine {
  /** 1-based line number in the file */
  line: number;
  args: unknown;
}

export async function readArgsLines(file: string, options: { dryRun?: boolean } = {}): Promise<ArgsLine[]> {
  const where = file === '-' ? 'stdin' : file;
  const input = file === '-' ? process.stdin : createReadStream(file, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    if (file === '-') return resolve();
    input.once('open', () => resolve());
    input.once('error', (error: Error) => reject(new UserError(`cannot read --args-file ${where}: ${errorMessage(error)}`, { cause: error })));
  });
  await opened;
  const out: ArgsLine[] = [];
  let line = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    if (!text.trim()) continue;
    const fail = (problem: string) => {
      input.destroy();
      return new UserError(`${where} line ${line}: ${problem}`);
    };
    // the bounds of --args, per line (size, depth, NUL, lone surrogates)
    const tooBig = argsTextProblem(text);
    if (tooBig) throw fail(tooBig);
    let args: unknown;
    try {
      args = JSON.parse(text);
    } catch (error) {
      throw fail(`not valid JSON: ${errorMessage(error)}`);
    }
    const problem = argsProblem(args, INPUT_ARGS_LIMITS);
    if (problem) throw fail(problem);
    if (options.dryRun) {
      if (typeof args !== 'object' || args === null || Array.isArray(args)) throw fail('--dry-run needs object arguments');
      (args as Record<string, unknown>).dryRun = true;
    }
    out.push({ line, args });
  }
  return out;
}
