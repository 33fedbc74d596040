// The registered tasks: argument validation (at enqueue time, naming the field) and their settings.
import { z } from 'zod';
import { argsProblem, STORED_ARGS_LIMITS } from './args-limits.ts';
import { UserError } from './errors.ts';
import type { RetryPolicy, TaskDefinition, TaskInfo } from './types.ts';

export const DEFAULT_RETRY: RetryPolicy = { retries: 2, delaySeconds: 30, backoff: true, maxDelaySeconds: 3600 };
export const DEFAULT_EXPIRE_SECONDS = 900;

export interface ResolvedTask {
  definition: TaskDefinition;
  retry: RetryPolicy;
  concurrency: number;
  exclusive: boolean;
  expireSeconds: number;
}

/** Formats a zod error as one line that names the offending field(s). */
export function describeZodError(task: string, error: z.ZodError): string {
  const parts = error.issues.slice(0, 3).map((issue) => {
    const field = issue.path.length ? issue.path.map(String).join('.') : '(arguments)';
    return `${field}: ${issue.message}`;
  });
  const more = error.issues.length > 3 ? ` (+${error.issues.length - 3} more)` : '';
  return `invalid arguments for ${task}: ${parts.join('; ')}${more}`;
}

/** A zod schema that accepts more than its JSON Schema says: coerced primitives, preprocess, catch. */
function looserThanItsJsonSchema(schema: unknown): boolean {
  const def = (schema as { _zod?: { def?: { type?: string; coerce?: boolean; in?: { _zod?: { def?: { type?: string } } } } } })._zod?.def;
  if (!def) return false;
  return def.coerce === true || def.type === 'catch' || (def.type === 'pipe' && def.in?._zod?.def?.type === 'transform');
}

/**
 * The arguments' JSON Schema that ifqueue.enqueue checks in the database (sql-api.ts). It must never
 * refuse what zod accepts, so the parts zod reads more loosely become {} (anything); zod still checks
 * them at pickup. Null when the schema cannot be converted (then only pickup checks).
 */
export function databaseArgsSchema(schema: z.ZodType): unknown {
  try {
    return z.toJSONSchema(schema, {
      io: 'input',
      unrepresentable: 'any',
      override: ({ zodSchema, jsonSchema }) => {
        const json = jsonSchema as Record<string, unknown>;
        if (looserThanItsJsonSchema(zodSchema)) for (const key of Object.keys(json)) delete json[key];
        // such a property may also be absent (a catch or a preprocess can supply it)
        const shape = (zodSchema as { _zod: { def: { shape?: Record<string, unknown> } } })._zod.def.shape;
        if (shape && Array.isArray(json.required)) json.required = json.required.filter((key) => !looserThanItsJsonSchema(shape[key]));
      },
    });
  } catch {
    return null;
  }
}

/** A registered task as the database keeps it (ifqueue.task), for ifqueue.enqueue. */
export interface TaskRegistration {
  name: string;
  description: string;
  args_schema: unknown;
  /** legacy numbering */
  priority: number;
  on_fail: string | null;
}

export class TaskRegistry {
  private readonly tasks = new Map<string, ResolvedTask>();

  constructor(definitions: TaskDefinition[] = []) {
    for (const d of definitions) this.register(d);
  }

  register(definition: TaskDefinition): void {
    if (!/^[a-z][a-z0-9-]{0,62}$/.test(definition.name)) throw new Error(`invalid task name ${JSON.stringify(definition.name)}`);
    if (this.tasks.has(definition.name)) throw new Error(`task ${definition.name} registered twice`);
    this.tasks.set(definition.name, {
      definition,
      retry: { ...DEFAULT_RETRY, ...definition.retry },
      concurrency: definition.exclusive ? 1 : Math.max(1, definition.concurrency ?? 1),
      exclusive: definition.exclusive ?? false,
      expireSeconds: definition.expireSeconds ?? DEFAULT_EXPIRE_SECONDS,
    });
  }

  has(name: string): boolean {
    return this.tasks.has(name);
  }

  names(): string[] {
    return [...this.tasks.keys()];
  }

  get(name: string): ResolvedTask {
    const task = this.tasks.get(name);
    if (!task) throw new UserError(`unknown task ${JSON.stringify(name)}; known tasks: ${this.names().join(', ')}`);
    return task;
  }

  /**
   * Validates and normalises arguments (defaults filled); throws a UserError naming the field. Size,
   * depth, NUL and lone surrogates are checked first (args-limits.ts), on every enqueue path.
   */
  parseArgs(name: string, args: unknown): unknown {
    const task = this.get(name);
    const problem = argsProblem(args ?? {}, STORED_ARGS_LIMITS);
    if (problem) throw new UserError(`invalid arguments for ${name}: ${problem}`);
    const result = task.definition.schema.safeParse(args ?? {});
    if (!result.success) throw new UserError(describeZodError(name, result.error));
    return result.data;
  }

  summarize(name: string, args: unknown): string | null {
    const task = this.tasks.get(name);
    if (!task?.definition.summarize) return null;
    try {
      return task.definition.summarize(args);
    } catch {
      return null;
    }
  }

  registrations(): TaskRegistration[] {
    return [...this.tasks.values()].map(({ definition }) => ({
      name: definition.name,
      description: definition.description,
      args_schema: databaseArgsSchema(definition.schema as z.ZodType),
      priority: definition.priority ?? 100,
      on_fail: definition.onFail ?? null,
    }));
  }

  info(): TaskInfo[] {
    return [...this.tasks.values()].map(({ definition, retry, concurrency, exclusive, expireSeconds }) => {
      let argsJsonSchema: unknown = null;
      try {
        argsJsonSchema = z.toJSONSchema(definition.schema as z.ZodType, { io: 'input', unrepresentable: 'any' });
      } catch {}
      const example = definition.schema.safeParse({});
      return {
        name: definition.name,
        description: definition.description,
        concurrency,
        exclusive,
        retry,
        expireSeconds,
        onFail: definition.onFail ?? null,
        argsJsonSchema,
        exampleArgs: example.success ? example.data : null,
      };
    });
  }
}
