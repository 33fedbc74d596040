// Checked settings. A value that is not allowed is a one-line UserError naming the setting, the value
// and what is allowed — never a silent default (IFQUEUE_HEARTBEAT_SECONDS=-5 once made a daemon
// declare healthy runners lost every second). Used for the environment (the CLI and the tasks'
// configuration) and for RunnerOptions.
import { UserError } from './errors.ts';

export type Env = Record<string, string | undefined>;

export interface NumberRule {
  min: number;
  max: number;
  /** whole numbers only (the default for environment variables) */
  integer?: boolean;
}

function allowed(rule: NumberRule): string {
  return `must be ${rule.integer === false ? 'a number' : 'a whole number'} from ${rule.min} to ${rule.max}`;
}

export function invalidSetting(name: string, problem: string): never {
  throw new UserError(`Invalid ${name}: ${problem}`);
}

/** Quoted and shortened for an error line; a hostile value must not flood or break the line. */
export function shownValue(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : typeof value === 'number' ? String(value) : JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** A variable's trimmed value, or undefined when unset or blank. */
export function envText(env: Env, variable: string): string | undefined {
  const value = env[variable]?.trim();
  return value ? value : undefined;
}

/** A number from text (an environment variable or a command-line option): digits only, no exponent, in range. */
export function parseNumberSetting(name: string, text: string, rule: NumberRule): number {
  const pattern = rule.integer === false ? /^\d+(\.\d+)?$/ : /^\d+$/;
  const value = Number(text);
  if (!pattern.test(text) || !Number.isFinite(value) || value < rule.min || value > rule.max) invalidSetting(name, `${shownValue(text)} ${allowed(rule)}`);
  return value;
}

/** A numeric environment variable: the fallback when unset, else checked. */
export function envNumber(env: Env, variable: string, fallback: number, rule: NumberRule): number {
  const text = envText(env, variable);
  return text === undefined ? fallback : parseNumberSetting(variable, text, rule);
}

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

export function envFlag(env: Env, variable: string, fallback: boolean): boolean {
  const text = envText(env, variable)?.toLowerCase();
  if (text === undefined) return fallback;
  if (TRUE.includes(text)) return true;
  if (FALSE.includes(text)) return false;
  invalidSetting(variable, `${shownValue(env[variable])} must be one of ${[...TRUE, ...FALSE].join(', ')}`);
}

/** A numeric option given in code (RunnerOptions): undefined takes the default. */
export function checkNumberOption(name: string, value: unknown, fallback: number, rule: NumberRule): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < rule.min || value > rule.max || (rule.integer !== false && !Number.isInteger(value))) {
    invalidSetting(name, `${shownValue(value)} ${allowed(rule)}`);
  }
  return value;
}

/** Task names to run (--queues, RunnerOptions.queues): each must be a registered task. */
export function checkQueueNames(name: string, queues: unknown, known: string[]): string[] {
  if (!Array.isArray(queues) || queues.length === 0 || !queues.every((q) => typeof q === 'string' && q.length > 0)) {
    invalidSetting(name, `${shownValue(queues)} must name at least one task (known: ${known.join(', ')})`);
  }
  const unknown = queues.filter((q) => !known.includes(q));
  if (unknown.length) invalidSetting(name, `unknown task${unknown.length > 1 ? 's' : ''} ${unknown.map(shownValue).join(', ')} (known: ${known.join(', ')})`);
  return [...new Set(queues as string[])];
}
