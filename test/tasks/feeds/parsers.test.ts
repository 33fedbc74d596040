import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fromUnixSeconds, parseFeedDate } from '../../../src/tasks/feeds/dates.ts';
import { parseIfruFeed } from '../../../src/tasks/feeds/ifru.ts';
import { literalToInt, parseLiteralTuple } from '../../../src/tasks/feeds/literal-tuple.ts';
import { parseRssOrAtom } from '../../../src/tasks/feeds/rss.ts';
import { parseUrqPage } from '../../../src/tasks/feeds/urq.ts';

describe('the ubb(...) literal tokenizer', () => {
  test('reads quoted strings with Python escapes and integers', () => {
    assert.deepEqual(parseLiteralTuple(`('a', "b\\"c", 'it\\'s', '\\u0416\\x41\\n', 42, -7, 1.5, '\\d',)`), ['a', 'b"c', "it's", 'ЖA\n', 42n, -7n, 1.5, '\\d']);
  });

  test('refuses anything that is not a literal, so nothing is ever evaluated', () => {
    for (const source of [`(__import__('os').system('id'))`, `('a' + 'b')`, `(x)`, `('a', 'b'`, `('unterminated)`, `('a') ; alert(1)`]) {
      assert.throws(() => parseLiteralTuple(source), Error, source);
    }
  });

  test('int() semantics: strings with spaces and leading zeros, floats truncated, words refused', () => {
    assert.deepEqual([literalToInt('00000042'), literalToInt(' 7 '), literalToInt(45.9), literalToInt(3n), literalToInt('4a')], [42n, 7n, 45n, 3n, null]);
  });
});

describe('the urq page', () => {
  test('the reference example becomes item 00000042 with the legacy topic url', () => {
    const { items, skipped } = parseUrqPage(`ubb('x','y','3','00000042','z','Игра &quot;A&quot;','45','a','b','Вася','1700000000','c');\r\n`);
    assert.deepEqual(skipped, []);
    assert.deepEqual(items, [
      { itemId: '00000042', title: 'Игра "A"', authors: 'Вася', url: 'http://urq.borda.ru/?1-3-0-42-0-40-0-1700000000', published: new Date('2023-11-14T22:13:20Z') },
    ]);
  });

  test('exactly twelve arguments: 11 and 13 are skipped with the line number', () => {
    const page = [
      `ubb('x','y','3','1','z','t','45','a','b','V','1700000000');`,
      `ubb('x','y','3','2','z','t','45','a','b','V','1700000000','c','d');`,
      `ubb('x','y',3,3,'z','t',19,'a','b','V',1700000000,'c');`,
    ].join('\r\n');
    const { items, skipped } = parseUrqPage(page);
    assert.deepEqual(items.map((i) => [i.itemId, i.url]), [['3', 'http://urq.borda.ru/?1-3-0-3-0-0-0-1700000000']]);
    assert.deepEqual(skipped, ['line 1: 11 arguments, expected 12', 'line 2: 13 arguments, expected 12']);
  });
});

describe('RSS and Atom entries', () => {
  test('Atom: id, published (else updated), html title as text, all author names, alternate link', () => {
    const { items, skipped } = parseRssOrAtom(`<?xml version="1.0"?>
      <feed xmlns="http://www.w3.org/2005/Atom">
        <entry><id>tag:a,1</id><title type="html">&lt;b&gt;Жирный&lt;/b&gt; &amp;amp; тонкий</title>
          <link rel="self" href="http://x.test/self"/><link rel="alternate" href="http://x.test/1?a=1&amp;b=2"/>
          <author><name>Первый</name></author><author><name>Второй</name></author>
          <published>2023-11-14T22:13:20+03:00</published></entry>
        <entry><id>tag:a,2</id><title>Без автора</title><link href="http://x.test/2"/><updated>2023-11-15T01:02:03</updated></entry>
        <entry><title>Без id и ссылки</title><updated>2023-11-15T01:02:03Z</updated></entry>
      </feed>`);
    assert.deepEqual(items, [
      { itemId: 'tag:a,1', title: 'Жирный & тонкий', authors: 'Первый, Второй', url: 'http://x.test/1?a=1&b=2', published: new Date('2023-11-14T19:13:20Z') },
      { itemId: 'tag:a,2', title: 'Без автора', authors: '', url: 'http://x.test/2', published: new Date('2023-11-15T01:02:03Z') },
    ]);
    assert.deepEqual(skipped, ['entry #3: no id or link']);
  });

  test('RSS without guid falls back to the link; an unreadable date is skipped and named', () => {
    const { items, skipped } = parseRssOrAtom(`<rss><channel>
      <item><title>a</title><link>http://x.test/a</link><pubDate>Mon, 20 Nov 2023 10:00:00 GMT</pubDate></item>
      <item><title>b</title><guid>b</guid><pubDate>позавчера</pubDate></item>
    </channel></rss>`);
    assert.deepEqual(items.map((i) => i.itemId), ['http://x.test/a']);
    assert.deepEqual(skipped, ['entry "b": unreadable date "позавчера"']);
  });

  test('an HTML page is not a feed', () => {
    assert.throws(() => parseRssOrAtom('<html><body>hi</body></html>'), /not an RSS or Atom feed \(root element <html>\)/);
  });
});

describe('forum.ifiction.ru description_int', () => {
  test('four parts, each HTML-unescaped; the author is part 3 and the time part 4', () => {
    const { items, skipped } = parseIfruFeed(`<rss><channel>
      <item><title>T</title><link>http://f.test/1</link><description_int>a&lt;br /&gt;u&lt;br /&gt;Кот &amp;amp; Пёс&lt;br /&gt;1700000000</description_int></item>
      <item><title>T2</title><link>http://f.test/2</link><description_int>a&lt;br /&gt;u&lt;br /&gt;X&lt;br /&gt;вчера</description_int></item>
    </channel></rss>`);
    assert.deepEqual(items, [{ itemId: 'http://f.test/1', title: 'T', authors: 'Кот & Пёс', url: 'http://f.test/1', published: new Date('2023-11-14T22:13:20Z') }]);
    assert.deepEqual(skipped, ['item "http://f.test/2": unreadable time "вчера"']);
  });
});

describe('feed dates', () => {
  test('are UTC whatever the zone of the process, and zones given are honoured', (t) => {
    const zone = process.env.TZ;
    process.env.TZ = 'Asia/Vladivostok';
    t.after(() => {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    });
    assert.notEqual(new Date(2003, 5, 10, 4).toISOString(), '2003-06-10T04:00:00.000Z', 'the process zone is not UTC here');
    assert.equal(parseFeedDate('Tue, 10 Jun 2003 04:00:00')?.toISOString(), '2003-06-10T04:00:00.000Z');
    assert.equal(parseFeedDate('Tue, 10 Jun 2003 04:00:00 +0300')?.toISOString(), '2003-06-10T01:00:00.000Z');
    assert.equal(parseFeedDate('2024-01-02T03:04:05')?.toISOString(), '2024-01-02T03:04:05.000Z');
    assert.equal(parseFeedDate('2024-01-02 03:04:05+0300')?.toISOString(), '2024-01-02T00:04:05.000Z');
    assert.equal(parseFeedDate('nonsense'), null);
    assert.equal(fromUnixSeconds('1700000000')?.toISOString(), '2023-11-14T22:13:20.000Z');
    assert.equal(fromUnixSeconds('17e8'), null);
  });
});
