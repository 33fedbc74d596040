// Job names and errors with emoji sequences and "zalgo" marks stay inside their columns at 80×24.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import stringWidth from 'string-width';
import { mount, seededRunner, assertFramesFit, KEY } from './harness.ts';
import { unjoinedWidth } from '../helpers/terminal-width.ts';

const ZWJ = '👨‍👩‍👧‍👦 family 👩🏽‍💻 coder 🏳️‍🌈 and ❤️ '.repeat(2);
const ZALGO = 'Z̷̢̛̛a̸̧l̵̨g̶̢o̸̡ ṯ̴̡̛e̷̢̛x̵̧̛t̶̨̛ '.repeat(3);

test('emoji ZWJ sequences and zalgo text do not push the tries column, whatever the terminal joins', async () => {
  const api = await seededRunner();
  for (const [name, message] of [[ZWJ, ZALGO], [ZALGO, ZWJ], ['plain name', 'plain error']]) {
    const id = await api.enqueue('demo-fail', { message }, { name });
    api.start(id);
    api.fail(id, message);
  }
  const h = mount({ api });
  try {
    await h.waitFor('● live');
    await h.press('j', KEY.enter);
    const list = await h.waitFor('showing 1–4 of 4');
    const rows = list.split('\n').filter((l) => / \d+\/\d+ /.test(l));
    assert.equal(rows.length, 4);
    for (const measure of [stringWidth, unjoinedWidth]) {
      const starts = rows.map((row) => measure(row.slice(0, / \d+\/\d+ /.exec(row)!.index)));
      assert.equal(new Set(starts).size, 1, `the tries column starts at the same column on every row (${measure.name}): ${starts}\n${rows.join('\n')}`);
      for (const row of rows) assert.ok(measure(row) <= 80, `${measure.name} ${measure(row)}: ${row}`);
    }
    await h.press('g', KEY.enter);
    await h.waitFor('─ Log');
    for (const line of h.lines()) assert.ok(unjoinedWidth(line) <= 80, `detail line fits any terminal: ${line}`);
    assertFramesFit(h);
  } finally {
    await h.close();
  }
});
