import './force-color.ts';
import { describe, test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mount, seededRunner, type Harness } from './harness.ts';
import { colourTheme, monoTheme, themeFromEnv } from '../../src/ui/theme.ts';

// eslint-disable-next-line no-control-regex
const COLOUR = /\u001b\[(?:[0-9;]*;)?(?:3[0-7]|9[0-7]|4[0-7]|10[0-7]|38;|48;)[0-9;]*m/;

describe('themes', () => {
  let h: Harness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  test('NO_COLOR (any non-empty value) selects the mono theme, which names no colour', () => {
    assert.equal(themeFromEnv({ NO_COLOR: '1' }), monoTheme);
    assert.equal(themeFromEnv({}), colourTheme);
    assert.ok(Object.values(monoTheme).every((style) => typeof style === 'string' || (!style.color && !style.backgroundColor)));
  });

  test('the dashboard draws in colour by default', async () => {
    h = mount({ api: await seededRunner(), env: {} });
    await h.waitFor('● live');
    assert.match(h.stdout.lastFrame(), COLOUR);
  });

  test('with NO_COLOR the frames carry no colour, only bold, dim and inverse', async () => {
    h = mount({ api: await seededRunner(), env: { NO_COLOR: '1' } });
    await h.waitFor('● live');
    for (const frame of h.stdout.frames) assert.doesNotMatch(frame, COLOUR);
    // eslint-disable-next-line no-control-regex
    assert.match(h.stdout.lastFrame(), /\u001b\[7m/, 'the selection is still visible, inverted');
  });
});
