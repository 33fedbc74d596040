// The arguments check of ifqueue.enqueue (a JSON Schema subset in plpgsql, fed the schema zod generates)
// never refuses what zod accepts, and catches the mistakes the database can see.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { databaseArgsSchema } from '../../src/runner/registry.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool } from './support.ts';

let db: TestDatabase;
let runners: RunnerPool;

before(async () => {
  db = await createTestDatabase('runner_sql_api_schema');
  runners = new RunnerPool(db);
  await runners.start([], { work: false }); // migrates
});

after(async () => {
  await runners.stopAll();
  await db.drop();
});

async function databaseError(schema: z.ZodType, value: unknown): Promise<string | null> {
  const { rows } = await db.query('SELECT ifqueue.json_schema_error($1, $2) AS error', [JSON.stringify(databaseArgsSchema(schema)), JSON.stringify(value)]);
  return rows[0].error;
}

interface Case {
  schema: z.ZodType;
  values: unknown[];
  /** values the database must refuse, with the message expected */
  refused: [unknown, RegExp][];
}

const cases: Record<string, Case> = {
  'strict object, bounds, optional and default': {
    schema: z.object({ a: z.number().int().positive(), b: z.string().min(2).max(5).optional(), c: z.boolean().default(false) }).strict(),
    values: [{ a: 1 }, { a: 0 }, { a: 2, b: 'xy' }, { a: 2, b: 'x' }, { a: 2, b: 'toolong' }, { a: 3, c: true }, { a: 3, c: 'no' }, { a: 1, z: 1 }, {}, { a: 1.0 }, { a: 1.5 }, [], null, 'x'],
    refused: [
      [{ a: 0 }, /^a: must be > 0$/],
      [{ a: 2, b: 'x' }, /^b: must have at least 2 characters$/],
      [{ a: 2, b: 'toolong' }, /^b: must have at most 5 characters$/],
      [{ a: 3, c: 'no' }, /^c: expected boolean, got string$/],
      [{ a: 1, z: 1 }, /^z: unknown property \(allowed: a, b, c\)$/],
      [{}, /^a: required$/],
      [{ a: 1.5 }, /^a: expected integer, got a fraction$/],
      [null, /^\(arguments\): expected object, got null$/],
    ],
  },
  'unions, nullable, enum, literal': {
    schema: z.object({ x: z.union([z.boolean(), z.array(z.string()).max(2)]), n: z.number().nullable(), e: z.enum(['a', 'b']), l: z.literal(3) }),
    values: [
      { x: true, n: null, e: 'a', l: 3 },
      { x: ['u'], n: 1, e: 'b', l: 3 },
      { x: ['u', 'v', 'w'], n: 1, e: 'b', l: 3 },
      { x: 'yes', n: 1, e: 'a', l: 3 },
      { x: true, n: 'one', e: 'a', l: 3 },
      { x: true, n: 1, e: 'c', l: 3 },
      { x: true, n: 1, e: 'a', l: 4 },
      { x: true, n: 1, e: 'a', l: 3, extra: 'stripped by zod' },
    ],
    refused: [
      [{ x: 'yes', n: 1, e: 'a', l: 3 }, /^x: fits none of the allowed forms/],
      [{ x: true, n: 'one', e: 'a', l: 3 }, /^n: expected number or null, got string$/],
      [{ x: true, n: 1, e: 'c', l: 3 }, /^e: must be one of "a", "b"$/],
      [{ x: true, n: 1, e: 'a', l: 4 }, /^l: must be 3$/],
    ],
  },
  'coerce, preprocess and catch are left to zod': {
    schema: z.object({ co: z.coerce.number(), pre: z.preprocess((v) => (v === undefined ? 0 : Number(v)), z.number()), ca: z.number().catch(1) }).strict(),
    values: [{ co: '5', pre: '7', ca: 'x' }, { co: 5 }, { co: 'abc' }, { co: 1, pre: 2, ca: 3 }],
    refused: [[{ co: 1, other: 1 }, /^other: unknown property/]],
  },
  'nested objects, defaults, records, loose objects': {
    schema: z.object({ nested: z.object({ d: z.number().max(10) }).default({ d: 1 }), rec: z.record(z.string(), z.number()).optional(), loose: z.looseObject({ s: z.string() }).optional() }),
    values: [{}, { nested: { d: 11 } }, { nested: { d: 3, e: 1 } }, { rec: { a: 1, b: 'x' } }, { loose: { s: 'x', t: 1 } }, { loose: { t: 1 } }],
    refused: [
      [{ nested: { d: 11 } }, /^nested\.d: must be <= 10$/],
      [{ rec: { a: 1, b: 'x' } }, /^rec\.b: expected number, got string$/],
      [{ loose: { t: 1 } }, /^loose\.s: required$/],
    ],
  },
  'string lengths in code points, as zod counts them': {
    schema: z.object({ s: z.string().min(2).max(3) }),
    values: [{ s: '😀😀' }, { s: '😀😀😀' }, { s: 'ab' }, { s: 'Кащ' }, { s: 'Кащей' }],
    refused: [
      [{ s: '😀' }, /^s: must have at least 2 characters$/],
      [{ s: '😀😀😀😀' }, /^s: must have at most 3 characters$/],
      [{ s: 'é' }, /^s: must have at least 2 characters$/],
    ],
  },
  'tuples, arrays, formats, patterns, intersections, discriminated unions': {
    schema: z.object({
      t: z.tuple([z.number(), z.string()]).optional(),
      arr: z.array(z.number()).min(1).optional(),
      u: z.url().optional(),
      r: z.string().regex(/^a/).optional(),
      i: z.object({ a: z.number() }).and(z.object({ b: z.string() })).optional(),
      d: z.discriminatedUnion('kind', [z.object({ kind: z.literal('x'), x: z.number() }), z.object({ kind: z.literal('y'), y: z.string() })]).optional(),
    }),
    values: [{ t: [1, 'a'] }, { t: ['a', 1] }, { arr: [] }, { arr: [1, 'x'] }, { u: 'nope' }, { r: 'bcd' }, { i: { a: 1, b: 'x' } }, { i: { a: 1 } }, { d: { kind: 'x', x: 1 } }, { d: { kind: 'y', x: 1 } }, { d: { kind: 'z' } }],
    refused: [
      [{ arr: [] }, /^arr: must have at least 1 items$/],
      [{ arr: [1, 'x'] }, /^arr\.1: expected number, got string$/],
      [{ i: { a: 1 } }, /^i\.b: required$/],
      [{ d: { kind: 'z' } }, /^d: fits none of the allowed forms/],
    ],
  },
};

for (const [title, c] of Object.entries(cases)) {
  test(`never stricter than zod: ${title}`, async () => {
    for (const value of [...c.values, ...c.refused.map(([v]) => v)]) {
      const zodAccepts = c.schema.safeParse(value).success;
      const error = await databaseError(c.schema, value);
      if (zodAccepts) assert.equal(error, null, `zod accepts ${JSON.stringify(value)} but the database said: ${error}`);
    }
    for (const [value, message] of c.refused) {
      assert.equal(c.schema.safeParse(value).success, false, `zod refuses ${JSON.stringify(value)} too`);
      assert.match((await databaseError(c.schema, value)) ?? '(accepted)', message, JSON.stringify(value));
    }
  });
}

test('a schema zod cannot convert is not checked in the database', async () => {
  const schema = z.object({ when: z.date(), big: z.bigint() });
  const converted = databaseArgsSchema(schema) as { properties: Record<string, unknown> };
  assert.deepEqual(converted.properties, { when: {}, big: {} }, 'unrepresentable parts accept anything');
  assert.equal(await databaseError(schema, { when: 'anything', big: 'at all' }), null);
});
