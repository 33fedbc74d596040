import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KEYMAP, SCOPE_CHAINS, bindingsOf, commandFor } from '../../src/ui/keys/keymap.ts';
import { helpLines } from '../../src/ui/keys/help-content.ts';

describe('keymap', () => {
  test('no key is bound twice within a scope or across the scopes active together', () => {
    for (const [layer, chain] of Object.entries(SCOPE_CHAINS)) {
      const seen = new Map<string, string>();
      for (const b of KEYMAP.filter((k) => chain.includes(k.scope))) {
        for (const key of b.keys) {
          assert.ok(!seen.has(key), `key "${key}" is bound to both ${seen.get(key)} and ${b.scope}:${b.command} on layer ${layer}`);
          seen.set(key, `${b.scope}:${b.command}`);
        }
      }
    }
  });

  test('keys follow the style reference: r/R retry, x cancel, c cleanup, p pause, d delete, / filter, ? help', () => {
    const cmd = (layer: string, key: string) => commandFor(SCOPE_CHAINS[layer], key, {})?.command;
    assert.equal(cmd('jobs', 'r'), 'retry');
    assert.equal(cmd('jobs', 'R'), 'retryAll');
    assert.equal(cmd('jobs', 'x'), 'cancel');
    assert.equal(cmd('jobs', 'c'), 'cleanup');
    assert.equal(cmd('jobs', 'p'), 'pause');
    assert.equal(cmd('jobs', 'd'), 'delete');
    assert.equal(cmd('jobs', '/'), 'filter');
    assert.equal(cmd('jobs', 'l'), 'nextTab');
    assert.equal(cmd('jobs', '7'), 'tabNumber');
    assert.equal(cmd('overview', '?'), 'help');
    assert.equal(cmd('overview', 'ctrl+c'), 'quit');
    assert.equal(cmd('job', 'F'), 'follow');
  });

  test('uppercase bulk keys are marked bulk, and every bulk or destructive action is an action', () => {
    for (const b of KEYMAP) {
      if (b.bulk || b.destructive) assert.ok(b.action, `${b.scope}:${b.command} changes data but is not marked as an action`);
    }
    assert.ok(KEYMAP.filter((b) => b.command === 'retryAll').every((b) => b.bulk));
  });

  test('--readonly hides every action from key lookup, footer bindings and help', () => {
    assert.equal(commandFor(SCOPE_CHAINS.jobs, 'r', { readonly: true }), undefined);
    assert.equal(commandFor(SCOPE_CHAINS.jobs, 'j', { readonly: true })?.command, 'down');
    assert.ok(bindingsOf('jobs', { readonly: true }).every((b) => !b.action));
    const help = helpLines({ readonly: true });
    assert.ok(help.every((l) => l.kind !== 'binding' || !l.binding.action));
    assert.ok(help.some((l) => l.kind === 'binding' && l.binding.command === 'filter'));
  });

  test('the legacy key exists only when a legacy adapter is present', () => {
    assert.equal(commandFor(SCOPE_CHAINS.overview, 'L', {}), undefined);
    assert.equal(commandFor(SCOPE_CHAINS.overview, 'L', { legacy: true })?.command, 'legacy');
    assert.ok(!helpLines({}).some((l) => l.kind === 'binding' && l.binding.command === 'legacy'));
  });

  test('help lists every visible binding exactly once', () => {
    const listed = helpLines({ legacy: true }).filter((l) => l.kind === 'binding');
    assert.equal(listed.length, KEYMAP.length);
  });
});
