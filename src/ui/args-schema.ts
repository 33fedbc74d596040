// Checks typed task arguments against the task's JSON schema as the user types (the runner checks again on enqueue).
import { z } from 'zod';
import type { TaskInfo } from '../runner/types.ts';
import { sanitizeLine } from '../text/terminal.ts';

export interface ArgsCheck {
  args: unknown;
  /** one line naming the field, or null when the arguments look valid */
  problem: string | null;
}

const validators = new WeakMap<object, z.ZodType | null>();

function validatorOf(task: TaskInfo): z.ZodType | null {
  const schema = task.argsJsonSchema;
  if (typeof schema !== 'object' || schema === null) return null;
  if (!validators.has(schema)) {
    let v: z.ZodType | null = null;
    try {
      v = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    } catch {
      // A schema zod cannot rebuild is left to the runner's own check at enqueue time.
    }
    validators.set(schema, v);
  }
  return validators.get(schema) ?? null;
}

export function checkArgs(task: TaskInfo, text: string): ArgsCheck {
  let args: unknown = {};
  if (text.trim() !== '') {
    try {
      args = JSON.parse(text);
    } catch (error) {
      return { args: undefined, problem: `args are not valid JSON: ${sanitizeLine((error as Error).message)}` };
    }
  }
  const result = validatorOf(task)?.safeParse(args);
  if (!result || result.success) return { args, problem: null };
  const issue = result.error.issues[0];
  const where = issue.path.length ? issue.path.join('.') : 'args';
  return { args, problem: `${where}: ${sanitizeLine(issue.message)}` };
}

interface PropertySchema {
  type?: string | string[];
  default?: unknown;
  enum?: unknown[];
}

/** "seconds: number = 5, message: string" — what the task takes, for the form. */
export function argsHint(task: TaskInfo): string {
  const schema = task.argsJsonSchema as { properties?: Record<string, PropertySchema>; required?: string[] } | null;
  const props = schema?.properties;
  if (!props || Object.keys(props).length === 0) return 'no arguments';
  return Object.entries(props)
    .map(([name, p]) => {
      const type = p.enum ? p.enum.map((v) => JSON.stringify(v)).join('|') : Array.isArray(p.type) ? p.type.join('|') : (p.type ?? 'any');
      const required = schema?.required?.includes(name) && p.default === undefined ? ' (required)' : '';
      const def = p.default !== undefined ? ` = ${JSON.stringify(p.default)}` : '';
      return sanitizeLine(`${name}: ${type}${def}${required}`);
    })
    .join(', ');
}

export function hasArg(task: TaskInfo, name: string): boolean {
  const props = (task.argsJsonSchema as { properties?: Record<string, unknown> } | null)?.properties;
  return !!props && Object.hasOwn(props, name);
}
