// Helpers for declaring tasks with typed arguments.
import type { TaskDefinition } from './types.ts';

/** Declares a task; the argument type is inferred from its zod schema. */
export function defineTask<A, R>(definition: TaskDefinition<A, R>): TaskDefinition<A, R> {
  return definition;
}
