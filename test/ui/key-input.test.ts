import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Key } from 'ink';
import { toKeyPresses } from '../../src/ui/keys/key-name.ts';
import { editText, textField } from '../../src/ui/keys/text-edit.ts';
import { mount, seededRunner } from './harness.ts';

const NO_KEY = { upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false } satisfies Key;

describe('key input', () => {
  test('named keys come through as their names', () => {
    assert.deepEqual(toKeyPresses('', { ...NO_KEY, return: true }), [{ name: 'enter', text: '' }]);
    assert.deepEqual(toKeyPresses('', { ...NO_KEY, tab: true, shift: true }), [{ name: 'shift+tab', text: '' }]);
    assert.deepEqual(toKeyPresses('c', { ...NO_KEY, ctrl: true }), [{ name: 'ctrl+c', text: '' }]);
    assert.deepEqual(toKeyPresses('R', { ...NO_KEY, shift: true }), [{ name: 'R', text: 'R' }]);
  });

  test('keys that arrive in one chunk are split back into single keys', () => {
    assert.deepEqual(toKeyPresses('jj\r', NO_KEY).map((k) => k.name), ['j', 'j', 'enter']);
    assert.deepEqual(toKeyPresses('a b', NO_KEY).map((k) => k.text), ['a', ' ', 'b']);
    assert.deepEqual(toKeyPresses('Кащей', NO_KEY).map((k) => k.name), ['К', 'а', 'щ', 'е', 'й']);
    assert.deepEqual(toKeyPresses('\u0001x', NO_KEY).map((k) => k.name), ['x']);
    assert.deepEqual(toKeyPresses('', { ...NO_KEY, escape: true, meta: true }).map((k) => k.name), ['escape', 'escape']);
  });

  test('text fields edit at the cursor, by code point', () => {
    let f = textField('ab😀');
    f = editText(f, { name: 'backspace', text: '' })!;
    assert.deepEqual(f, { value: 'ab', cursor: 2 });
    f = editText(f, { name: 'left', text: '' })!;
    f = editText(f, { name: 'щ', text: 'щ' })!;
    assert.deepEqual(f, { value: 'aщb', cursor: 2 });
    f = editText(f, { name: 'ctrl+u', text: '' })!;
    assert.deepEqual(f, { value: 'b', cursor: 0 });
    assert.equal(editText(f, { name: 'pagedown', text: '' }), null);
  });

  test('a fast "j Enter" typed over a slow link opens the second queue', async () => {
    const h = mount({ api: await seededRunner() });
    try {
      await h.waitFor('● live');
      h.stdin.write('j\r');
      await h.waitFor('ifqueue › demo-fail');
      h.stdin.write('\r');
      await h.waitFor('✗ failed');
      h.stdin.write('\u001b\u001b');
      await h.waitFor('─ Queues');
    } finally {
      await h.close();
    }
  });
});
