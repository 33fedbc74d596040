// Database- and task-sourced text must not be able to drive the terminal or break the layout.
import './force-color.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mount, seededRunner, plain, KEY, assertFramesFit } from './harness.ts';
import { widthOf } from '../../src/ui/text.ts';

const HOSTILE_NAME = 'evil\u001b[2J\u001b[31mred\u001b]52;c;cm0gLXJmIH4=\u0007\u001b]8;;https://evil.example\u001b\\click\u001b]8;;\u001b\\\rover\u202eesrever\u0008\u0007';
const CYRILLIC_TITLE = 'Кащей Бессмертный и ' + 'Перекрёсток судеб '.repeat(40).slice(0, 480);
const HOSTILE_LOG = 'progress\r\u001b[1A\u001b[Kdone \u001b]52;c;ZXZpbA==\u001b\\ \u202eevil\u202c bell\u0007 ' + CYRILLIC_TITLE;

// Anything that could act on a terminal: C0/C1 controls (Ink's own SGR styling is removed first), bidi controls.
// eslint-disable-next-line no-control-regex
const DANGEROUS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function attemptsColumn(line: string): number {
  const m = / \d+\/\d+ /.exec(line);
  return m ? widthOf(line.slice(0, m.index)) : -1;
}

test('hostile job names, log lines and a 500-character Cyrillic title render safely inside their columns', async () => {
  assert.equal(CYRILLIC_TITLE.length, 500);
  const api = await seededRunner();
  const hostile = await api.enqueue('demo-fail', { message: CYRILLIC_TITLE }, { name: HOSTILE_NAME });
  const long = await api.enqueue('demo-fail', { message: 'x' }, { name: CYRILLIC_TITLE });
  for (const id of [hostile, long]) {
    api.start(id);
    api.log(id, HOSTILE_LOG);
    api.fail(id, `${CYRILLIC_TITLE}\u001b]52;c;ZXZpbA==\u0007\r\u202e`, `Error: ${HOSTILE_NAME}\n    at x (\u001b[31mred.ts:1:1)`);
  }
  const h = mount({ api, env: {} });
  try {
    await h.waitFor('● live');
    await h.press('j', KEY.enter);
    const list = await h.waitFor('showing 1–3 of 3');
    const rows = list.split('\n').filter((l) => / \d+\/\d+ /.test(l));
    assert.equal(rows.length, 3);
    const columns = new Set(rows.map(attemptsColumn));
    assert.equal(columns.size, 1, `the tries column starts at the same place on every row:\n${rows.join('\n')}`);
    assert.match(list, /evilredclick␍ov… /);
    assert.match(list, /Кащей Бессмертн… /);

    await h.press('g', KEY.enter);
    let detail = await h.waitFor('progress␍');
    assert.match(detail, /done {2}evil bell␇ Кащей/);
    await h.press(KEY.tab);
    detail = await h.waitFor(/Name\s+Кащей Бессмертный/);
    await h.press(KEY.escape, 'j', KEY.enter);
    await h.waitFor((f) => f.includes('progress␍') && f.includes('evilredclick'));
    await h.press(KEY.tab);
    detail = await h.waitFor(/Name\s+evilredclick␍overesrever␈␇/);
    await h.press('e');
    await h.waitFor('Error: evilredclick');
    for (const raw of h.stdout.frames) {
      const visible = plain(raw);
      assert.doesNotMatch(visible, DANGEROUS, `a frame carries a control character:\n${JSON.stringify(visible)}`);
      assert.ok(!raw.includes(']52;') && !raw.includes(']8;'), 'no clipboard write or link sequence reaches the terminal');
    }
    assertFramesFit(h, 80, 24);
  } finally {
    await h.close();
  }
});
