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

/** The parts of a JSON schema (zod's toJSONSchema output) the form describes. */
interface JsonSchema {
  type?: string | string[];
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  description?: string;
  examples?: unknown[];
}

const SAFE_INTEGER = Number.MAX_SAFE_INTEGER;
const URL_PATTERN = /https\?/;

function isUrl(s: JsonSchema): boolean {
  return s.format === 'uri' || (typeof s.pattern === 'string' && URL_PATTERN.test(s.pattern));
}

function range(s: JsonSchema): string {
  const low = s.exclusiveMinimum !== undefined ? `> ${s.exclusiveMinimum}` : s.minimum !== undefined ? String(s.minimum) : null;
  const high = s.exclusiveMaximum !== undefined ? `< ${s.exclusiveMaximum}` : s.maximum !== undefined && s.maximum < SAFE_INTEGER ? String(s.maximum) : null;
  if (low && high && !low.startsWith('>') && !high.startsWith('<')) return ` ${low}–${high}`;
  return [low && (low.startsWith('>') ? ` ${low}` : ` ≥ ${low}`), high && (high.startsWith('<') ? ` ${high}` : ` ≤ ${high}`)].filter(Boolean).join(',');
}

/** One schema in words: "whole number > 0", "list of http(s) URLs (≤ 1000)", "true/false, or …". */
export function describeSchema(s: JsonSchema | undefined): string {
  if (!s || typeof s !== 'object') return 'anything';
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return alternatives.map(describeSchema).join(', or ');
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (types.length > 1) return types.map((type) => describeSchema({ ...s, type })).join(' or ');
  switch (types[0]) {
    case 'boolean': return 'true/false';
    case 'null': return 'null';
    case 'integer': return `whole number${range(s)}`;
    case 'number': return `number${range(s)}`;
    case 'string': return isUrl(s) ? 'http(s) URL' : s.maxLength !== undefined && s.maxLength < 1000 ? `text (≤ ${s.maxLength} chars)` : 'text';
    case 'array': {
      const item = describeSchema(s.items);
      const plural = isUrl(s.items ?? {}) ? 'http(s) URLs' : item;
      return `list of ${plural}${s.maxItems !== undefined ? ` (≤ ${s.maxItems})` : ''}`;
    }
    case 'object': {
      const keys = Object.keys(s.properties ?? {});
      return keys.length ? `object {${keys.join(', ')}}` : 'object';
    }
    default: return 'anything';
  }
}

export interface ArgLine {
  name: string;
  /** "name?" when optional */
  label: string;
  text: string;
}

/** One line per argument: its type in words, its default, whether it may be left out. */
export function argLines(task: TaskInfo): ArgLine[] {
  const schema = task.argsJsonSchema as JsonSchema | null;
  const props = schema?.properties ?? {};
  return Object.entries(props).map(([name, p]) => {
    const optional = !schema?.required?.includes(name) || p.default !== undefined;
    const def = p.default !== undefined ? ` (default ${JSON.stringify(p.default)})` : '';
    return { name, label: sanitizeLine(`${name}${optional ? '?' : ''}`), text: sanitizeLine(`${describeSchema(p)}${def}${p.description ? ` · ${p.description}` : ''}`) };
  });
}

/** "seconds?: number 0–86400 (default 5)" — what the task takes, on one line. */
export function argsHint(task: TaskInfo): string {
  const lines = argLines(task);
  return lines.length ? lines.map((l) => `${l.label}: ${l.text}`).join('; ') : 'no arguments';
}

/** A value that fits the schema, for the example line: its default, an example, else a made-up sample. */
function sample(s: JsonSchema | undefined): unknown {
  if (!s || typeof s !== 'object') return null;
  if (s.examples?.length) return s.examples[0];
  if (s.default !== undefined) return s.default;
  const alternatives = s.anyOf ?? s.oneOf;
  // The richest alternative tells the most: a list over a flag.
  if (alternatives) return sample([...alternatives].sort((a, b) => rank(b) - rank(a))[0]);
  if (s.enum) return s.enum[0];
  if (s.const !== undefined) return s.const;
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'boolean': return true;
    case 'integer':
    case 'number': return s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : s.minimum !== undefined && s.minimum > 0 ? s.minimum : 123;
    case 'string': return isUrl(s) ? 'https://example.org/game' : 'text';
    case 'array': return [sample(s.items)];
    case 'object': return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, sample(v)]));
    default: return null;
  }
}

function rank(s: JsonSchema): number {
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  return type === 'object' ? 3 : type === 'array' ? 2 : type === 'boolean' || type === 'null' ? 0 : 1;
}

/** Example arguments using every argument the task takes, as compact JSON ("{}" when it takes none). */
export function exampleArgs(task: TaskInfo): string {
  const schema = task.argsJsonSchema as JsonSchema | null;
  if (!schema?.properties || Object.keys(schema.properties).length === 0) return '{}';
  return JSON.stringify(sample({ ...schema, default: undefined, examples: undefined }));
}

export function hasArg(task: TaskInfo, name: string): boolean {
  const props = (task.argsJsonSchema as { properties?: Record<string, unknown> } | null)?.properties;
  return !!props && Object.hasOwn(props, name);
}
