import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { asciiStringLiteral, withAsciiStrings } from '../../../src/tasks/discord/ascii-json.ts';
import { buildNewGamePayload } from '../../../src/tasks/discord/index.ts';
import { authorLine, clipText, postDescription } from '../../../src/tasks/discord/text.ts';
import { createTestDatabase, loadIfdbSchema, type TestDatabase } from '../../helpers/db.ts';
import { addAuthor, addGameUrl, ROBOT, seedGame, seedRobot } from './seed.ts';

const config = { maintenanceUser: ROBOT };

describe('the new-game post texts', () => {
  test('a description past 400 characters ends before the first newline at or after 400', () => {
    const text = 'а'.repeat(399) + '\n' + 'б'.repeat(50) + '\nконец';
    assert.equal(postDescription(text), 'а'.repeat(399) + '\n' + 'б'.repeat(50));
    const early = 'в'.repeat(100) + '\n' + 'г'.repeat(400) + '\nхвост';
    assert.equal(postDescription(early), 'в'.repeat(100) + '\n' + 'г'.repeat(400));
  });

  test('with no newline after 400 the whole text is kept (legacy dropped the last character)', () => {
    const text = 'д'.repeat(1000) + '!';
    assert.equal(postDescription(text), text);
  });

  test('then at most 1500 characters plus an ellipsis', () => {
    const text = 'е'.repeat(3000);
    assert.equal(postDescription(text), 'е'.repeat(1500) + '…');
    assert.equal(postDescription('ж'.repeat(1500)), 'ж'.repeat(1500));
  });

  test('NULL and short descriptions', () => {
    assert.equal(postDescription(null), '');
    assert.equal(postDescription('коротко\nи ясно'), 'коротко\nи ясно');
  });

  test('authors: none → no footer, one → "Автор: ", more → "Авторы: " joined with comma and two spaces', () => {
    assert.equal(authorLine([]), null);
    assert.equal(authorLine(['Вася']), 'Автор: Вася');
    assert.equal(authorLine(['Вася', 'Петя', 'Маша']), 'Авторы: Вася,  Петя,  Маша');
  });

  test("Discord's limits hold: footer 2048, any clip ends with an ellipsis", () => {
    const footer = authorLine(Array.from({ length: 500 }, (_, i) => `Автор номер ${i}`))!;
    assert.equal([...footer].length, 2048);
    assert.ok(footer.endsWith('…'));
    assert.equal(clipText('😀'.repeat(300), 256), '😀'.repeat(255) + '…');
    assert.equal(clipText('short', 256), 'short');
  });

  test("strings are escaped like Python's json.dumps: non-ASCII as lower-case \\uXXXX, astral as surrogate pairs", () => {
    assert.equal(asciiStringLiteral('Ёж "x"\n😀\u007f'), '"\\u0401\\u0436 \\"x\\"\\n\\ud83d\\ude00\\u007f"');
    const body = JSON.stringify(withAsciiStrings({ b: 'Бот', a: ['й', { z: 1, y: null }] }));
    assert.equal(body, '{"b":"\\u0411\\u043e\\u0442","a":["\\u0439",{"z":1,"y":null}]}');
  });
});

describe('buildNewGamePayload', () => {
  let db: TestDatabase;
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase('discord_payload');
    await loadIfdbSchema(db);
    await seedRobot(db);
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
  });

  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  test('a game without authors or images: no footer, no image, NULL description as "", legacy key order', async () => {
    const id = await seedGame(db, { title: 'Пустая игра', description: null });
    await addAuthor(db, id, 'Художник Коля', 'artist');
    const payload = await buildNewGamePayload(pool, id, config);
    assert.deepEqual(payload, {
      username: 'Бот игровых новинок',
      content: 'Новая игра!',
      avatar_url: 'https://db.crem.xyz/static/duck_full.png',
      embeds: [{ title: 'Пустая игра', url: `https://db.crem.xyz/game/${id}/`, description: '' }],
    });
    assert.deepEqual(Object.keys(payload!), ['username', 'content', 'avatar_url', 'embeds']);
  });

  test('one author in role author gives "Автор: …"; other roles are not authors', async () => {
    const id = await seedGame(db, { title: 'Соло', description: 'Игра одного автора.' });
    await addAuthor(db, id, 'Вася');
    await addAuthor(db, id, 'Тестер Петя', 'tester');
    const payload = await buildNewGamePayload(pool, id, config);
    assert.deepEqual(payload!.embeds[0].footer, { text: 'Автор: Вася', icon_url: 'https://db.crem.xyz/static/default_author.jpg' });
    assert.equal(payload!.embeds[0].description, 'Игра одного автора.');
  });

  test('two authors in database order give "Авторы: A,  B"', async () => {
    const id = await seedGame(db, { title: 'Дуэт', description: 'x' });
    await addAuthor(db, id, 'Маша');
    await addAuthor(db, id, 'Аня');
    const payload = await buildNewGamePayload(pool, id, config);
    assert.equal(payload!.embeds[0].footer!.text, 'Авторы: Маша,  Аня');
    assert.deepEqual(Object.keys(payload!.embeds[0]), ['title', 'url', 'description', 'footer']);
  });

  test('long descriptions are cut with and without a newline', async () => {
    const withNewline = await seedGame(db, { title: 'С переводом строки', description: 'а'.repeat(450) + '\nвторой абзац' });
    const withoutNewline = await seedGame(db, { title: 'Без перевода строки', description: 'б'.repeat(1200) + 'Я' });
    const huge = await seedGame(db, { title: 'Огромное', description: 'в'.repeat(5000) });
    assert.equal((await buildNewGamePayload(pool, withNewline, config))!.embeds[0].description, 'а'.repeat(450));
    assert.equal((await buildNewGamePayload(pool, withoutNewline, config))!.embeds[0].description, 'б'.repeat(1200) + 'Я');
    assert.equal((await buildNewGamePayload(pool, huge, config))!.embeds[0].description, 'в'.repeat(1500) + '…');
  });

  test('the image is the last poster/screenshot by description (NULL first), local copy when cloning is allowed', async () => {
    const id = await seedGame(db, { title: 'С картинками', description: 'x' });
    await addGameUrl(db, id, { category: 'screenshot', description: 'Скриншот 2', originalUrl: 'http://img.test/s2.png', localUrl: '/f/backups/s2.png' });
    await addGameUrl(db, id, { category: 'poster', description: null, originalUrl: 'http://img.test/poster.png' });
    await addGameUrl(db, id, { category: 'download_direct', description: 'Я скачать', originalUrl: 'http://img.test/game.zip', localUrl: '/f/backups/game.zip' });
    await addGameUrl(db, id, { category: 'screenshot', description: 'Скриншот 1', originalUrl: 'http://img.test/s1.png' });
    const payload = await buildNewGamePayload(pool, id, config);
    assert.deepEqual(payload!.embeds[0].image, { url: 'https://db.crem.xyz/f/backups/s2.png' });
    assert.deepEqual(Object.keys(payload!.embeds[0]), ['title', 'url', 'description', 'image']);

    await db.query(`UPDATE games_gameurlcategory SET allow_cloning = false WHERE symbolic_id = 'screenshot'`);
    try {
      const original = await buildNewGamePayload(pool, id, config);
      assert.deepEqual(original!.embeds[0].image, { url: 'http://img.test/s2.png' });
    } finally {
      await db.query(`UPDATE games_gameurlcategory SET allow_cloning = true WHERE symbolic_id = 'screenshot'`);
    }
  });

  test('a game hidden from the maintenance user, or missing, gives no payload', async () => {
    const hidden = await seedGame(db, { title: 'Тайная', description: 'x', viewPerm: '@moder' });
    assert.equal(await buildNewGamePayload(pool, hidden, config), null);
    assert.equal(await buildNewGamePayload(pool, 999_999, config), null);
  });

  test('a missing maintenance user is a permanent error naming it', async () => {
    const id = await seedGame(db, { title: 'Ничья', description: 'x' });
    await assert.rejects(buildNewGamePayload(pool, id, { maintenanceUser: 'никто' }), /maintenance user "никто" not found/);
  });
});
