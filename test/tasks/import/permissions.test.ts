// IFDB's permission expressions as evaluated for the maintenance user (which tags it may remove, which games it may edit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canMaintenanceUser, type Actor } from '../../../src/tasks/import/updater/permissions.ts';

const robot: Actor = { id: 7, username: 'бездушный робот', isSuperuser: false, groups: new Set() };

test('an authenticated user without groups passes @all, @auth, its own id and the game_edit alias, but not @gardener', () => {
  assert.equal(canMaintenanceUser(robot, '@all'), true);
  assert.equal(canMaintenanceUser(robot, '@auth'), true);
  assert.equal(canMaintenanceUser(robot, '[7]'), true);
  assert.equal(canMaintenanceUser(robot, '[8]'), false);
  assert.equal(canMaintenanceUser(robot, '(alias game_edit)'), true);
  assert.equal(canMaintenanceUser(robot, '@gardener'), false);
  assert.equal(canMaintenanceUser(robot, '(alias game_delete)'), false);
});

test('groups count, @admin implies @moder and @gardener, and a banned user may not edit', () => {
  assert.equal(canMaintenanceUser({ ...robot, groups: new Set(['gardener']) }, '@gardener'), true);
  assert.equal(canMaintenanceUser({ ...robot, isSuperuser: true }, '(o @nobody @gardener)'), true);
  assert.equal(canMaintenanceUser({ ...robot, groups: new Set(['moder']) }, '@admin'), false);
  assert.equal(canMaintenanceUser({ ...robot, groups: new Set(['ban']) }, '(alias game_edit)'), false);
});

test('a malformed or unknown expression denies', () => {
  assert.equal(canMaintenanceUser(robot, '(a @all'), false);
  assert.equal(canMaintenanceUser(robot, '(xor @all @auth)'), false);
  assert.equal(canMaintenanceUser(robot, '(alias nope)'), false);
  assert.equal(canMaintenanceUser(robot, ''), false);
});
