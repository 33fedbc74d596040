// The one path every stored string takes: what PostgreSQL would reject is repaired, and the result
// is accepted by a real text and jsonb column.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { storableJson, storableText, storableTextOrNull } from '../../src/text/storable.ts';

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase('storable');
  await db.query('CREATE TABLE t (s text, j jsonb)');
});
after(() => db.drop());

const hostile = 'a\u0000b \ud800 lone high, \udc00 lone low, 😀 pair';

test('a NUL and lone surrogates are replaced; a valid pair is kept', () => {
  assert.equal(storableText(hostile), 'a\u2400b \ufffd lone high, \ufffd lone low, 😀 pair');
});

test('PostgreSQL rejects the raw string and accepts the storable one, in text and in jsonb', async () => {
  await assert.rejects(db.query('INSERT INTO t (s) VALUES ($1)', [hostile]), /0x00/);
  await assert.rejects(db.query('INSERT INTO t (j) VALUES ($1)', [JSON.stringify({ [hostile]: [hostile] })]));
  const json = storableJson({ [hostile]: [hostile, { deep: hostile }], n: 1, big: 2n });
  await db.query('INSERT INTO t (s, j) VALUES ($1, $2)', [storableText(hostile), JSON.stringify(json)]);
  const { rows } = await db.query('SELECT s, j FROM t');
  assert.equal(rows[0].s, storableText(hostile));
  assert.deepEqual(rows[0].j, { [storableText(hostile)]: [storableText(hostile), { deep: storableText(hostile) }], n: 1, big: '2' });
});

test('a long string is capped at the limit, says how much was dropped and never splits a pair', () => {
  const capped = storableText('x'.repeat(100), 40);
  assert.ok(capped.length <= 40, `${capped.length} characters`);
  const kept = capped.match(/^x*/)![0].length;
  assert.equal(capped, 'x'.repeat(kept) + ` … [${100 - kept} more characters]`, 'the note counts exactly what was dropped');
  const emoji = '😀'.repeat(50);
  const cut = storableText(emoji, 40);
  assert.ok(cut.length <= 40);
  assert.equal(cut, cut.toWellFormed(), 'no lone surrogate left by the cut');
});

test('absent values stay absent; clean JSON is returned as an equal copy', () => {
  assert.equal(storableTextOrNull(null), null);
  assert.equal(storableTextOrNull(undefined), null);
  assert.deepEqual(storableJson({ a: [1, 'b', null] }), { a: [1, 'b', null] });
});
