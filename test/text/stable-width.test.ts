// stableWidthText: grapheme clusters that terminals draw at different widths are reduced to ones they agree on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import stringWidth from 'string-width';
import { stableWidthText } from '../../src/text/terminal.ts';
import { unjoinedWidth } from '../helpers/terminal-width.ts';

const CASES: Array<[string, string]> = [
  ['👨‍👩‍👧‍👦 family', '👨 family'],
  ['👩🏽‍💻 coder', '👩 coder'],
  ['👍🏻', '👍'],
  ['🏳️‍🌈', '🏳'],
  ['❤️', '❤'],
  ['Z̷̢̛̛a̸̧l̵̨g̶̢o̸̡', 'Z̷̢a̸̧l̵̨g̶̢o̸̡'],
];

test('emoji sequences, modifiers, variation selectors and mark stacks are reduced; the reduced text has one width on any terminal', () => {
  for (const [input, expected] of CASES) {
    const out = stableWidthText(input);
    assert.equal(out, expected, input);
    assert.equal(stringWidth(out), unjoinedWidth(out), `${input}: string-width and a terminal that joins nothing agree`);
    assert.equal(stableWidthText(out), out, 'idempotent');
  }
  // The original forms are where the two disagree.
  assert.notEqual(stringWidth('👩🏽‍💻'), unjoinedWidth('👩🏽‍💻'));
  assert.notEqual(stringWidth('Z̷̢̛̛'), unjoinedWidth('Z̷̢̛̛'));
});

test('ordinary text is left alone: Cyrillic (also decomposed), CJK, Devanagari, Thai, flags, plain ASCII', () => {
  for (const text of ['Кащей Бессмертный, ёлка', 'е\u0308лка', '漢字かな', 'नमस्ते', 'ไทย', '🇺🇦', 'plain ascii {"urlId":1}', 'é']) {
    assert.equal(stableWidthText(text), text);
  }
});
