import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hashizeUrl, legacyQuote } from '../../../src/tasks/http/quote.ts';

describe('legacyQuote', () => {
  test('leaves the safe set as it is', () => {
    const safe = 'http://user@x.ru:80/a_b.c-d~e/f+g=h&i?j%k:l@m;n!o#p$q*r(s)t';
    assert.equal(legacyQuote(safe), safe);
  });

  test('encodes space, non-ASCII and the characters encodeURI leaves alone, in upper-case hex', () => {
    assert.equal(legacyQuote("a b,c'd\"e[f]g{h}i|j\\k^l`m"), 'a%20b%2Cc%27d%22e%5Bf%5Dg%7Bh%7Di%7Cj%5Ck%5El%60m');
    assert.equal(legacyQuote('https://ifwiki.ru/Игра'), 'https://ifwiki.ru/%D0%98%D0%B3%D1%80%D0%B0');
    assert.equal(legacyQuote('ё😀'), '%D1%91%F0%9F%98%80');
  });

  test('keeps existing escapes and their case', () => {
    assert.equal(legacyQuote('/a%2fb%D0%98 c'), '/a%2fb%D0%98%20c');
  });
});

describe('hashizeUrl', () => {
  test('the examples of the reference', () => {
    assert.equal(hashizeUrl('https://ifwiki.ru/Игра'), '//ifwiki.ru/%D0%98%D0%B3%D1%80%D0%B0');
    assert.equal(hashizeUrl('http://x.ru/a?b=1'), '//x.ru/a?b=1');
    assert.equal(hashizeUrl('http://x.ru/a?'), '//x.ru/a');
  });

  test('drops the scheme, keeps host case, trailing slash and #', () => {
    assert.equal(hashizeUrl('http://X.ru/a/'), hashizeUrl('https://X.ru/a/'));
    assert.equal(hashizeUrl('http://X.ru/a/'), '//X.ru/a/');
    assert.notEqual(hashizeUrl('http://x.ru/a/'), hashizeUrl('http://x.ru/a'));
    assert.equal(hashizeUrl('http://x.ru/a#top'), '//x.ru/a#top');
    assert.equal(hashizeUrl('http://x.ru/a?q=1#top'), '//x.ru/a?q=1#top');
    assert.equal(hashizeUrl('http://x.ru#frag/p'), '//x.ru#frag/p');
  });

  test('URLs without a scheme or host', () => {
    assert.equal(hashizeUrl('//x.ru/a'), '//x.ru/a');
    assert.equal(hashizeUrl('x.ru/a b'), '//x.ru/a%20b');
  });
});
