// Links found in hostile source pages: only http(s) URLs to hosts the clone step may reach,
// resolved against the page, are stored in games_url by the real import-games task.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createTestDatabase, loadIfdbSchema, type TestDatabase } from '../helpers/db.ts';
import { makeTaskContext } from '../helpers/task-context.ts';
import { loadTasksConfig } from '../../src/tasks/config.ts';
import { importTasks, type ImportSummary } from '../../src/tasks/import/index.ts';
import { Importer } from '../../src/tasks/import/importer.ts';
import { fakeSource, fakeSourceContext, gamePage } from '../tasks/import/fake-sources.ts';
import { seedUsers } from '../tasks/import/ifdb-seed.ts';

const W = 'http://wiki.test/';
const HOSTILE = [
  'file:///etc/passwd',
  'javascript:alert(1)',
  ' JaVaScRiPt:alert(1)',
  'java\nscript:alert(1)',
  'data:application/zip;base64,UEsDBA==',
  'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
  'http://[::ffff:169.254.169.254]/',
  'http://[::127.0.0.1]/game.zip',
  'http://10.0.0.1/game.zip',
  'http://0x7f000001/game.zip',
  'gopher://files.test/1',
  'http://metadata.google.internal/computeMetadata/v1/',
  'http://metadata/computeMetadata/v1/',
  'http://localhost:8080/game.zip',
  'http://printer.local/game.zip',
  'http://nas.home.arpa./game.zip',
];

let db: TestDatabase;
let pool: pg.Pool;

before(async () => {
  db = await createTestDatabase('hostile_import_links');
  await loadIfdbSchema(db);
  await seedUsers(db);
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
});

after(async () => {
  await pool?.end();
  await db?.drop();
});

describe('links from hostile pages', () => {
  test('import-games stores only http(s) links to public hosts, relative ones resolved against the page', async () => {
    const wiki = fakeSource({
      id: 'ifwiki',
      priority: 100,
      host: 'wiki.test',
      pages: {
        [W + 'evil']: {
          title: 'Злая игра',
          urls: [
            gamePage(W + 'evil'),
            ...HOSTILE.map((url) => ({ urlcat_slug: 'download_direct', description: 'Скачать', url })),
            { urlcat_slug: 'download_direct', description: 'relative', url: 'files/game.zip' },
            { urlcat_slug: 'download_direct', description: 'root', url: '/files/game.qst' },
          ],
        },
      },
    });
    const config = loadTasksConfig({ IFQUEUE_ALLOW_HOSTS: '' });
    const [importGames] = importTasks({ pool, config }, { sources: () => [wiki], http: fakeSourceContext().http, enrich: (r) => r }).filter((t) => t.name === 'import-games');
    const ctx = makeTaskContext('import-games');
    const summary = (await importGames.handler(importGames.schema.parse({}), ctx)) as ImportSummary;
    assert.ok(summary, 'the run finished');
    const stored = (await db.query<{ original_url: string }>('SELECT original_url FROM games_url ORDER BY id')).rows.map((r) => r.original_url);
    assert.deepEqual(stored.sort(), [W + 'evil', W + 'files/game.qst', W + 'files/game.zip'].sort());
    const log = ctx.lines.map((l) => l.text).join('\n');
    assert.match(log, /link "file:\/\/\/etc\/passwd" dropped/);
    assert.match(log, /link "http:\/\/169\.254\.169\.254\/latest\/meta-data\/iam\/security-credentials\/" dropped/);
    assert.match(log, /link "http:\/\/metadata\.google\.internal\/computeMetadata\/v1\/" dropped/);
  });

  test('host names that can only name a local or private host are not stored; public-looking ones are', () => {
    const importer = new Importer({ sources: [], context: fakeSourceContext(), allowHosts: ['files.local'] });
    for (const url of ['http://metadata/', 'http://metadata.google.internal/', 'http://LOCALHOST/', 'http://a.localhost/', 'http://nas.home.arpa./', 'http://router.lan/', 'http://intranet/']) {
      assert.equal(importer.storableLink(url, W), null, url);
    }
    assert.equal(importer.storableLink('http://files.local/game.zip', W), 'http://files.local/game.zip', 'IFQUEUE_ALLOW_HOSTS exempts a name');
    assert.equal(importer.storableLink('https://ifarchive.org/if-archive/games/zcode/x.z5', W), 'https://ifarchive.org/if-archive/games/zcode/x.z5');
    assert.equal(importer.storableLink('http://internal.example.org/game.zip', W), 'http://internal.example.org/game.zip', 'only a suffix counts');
  });

  test('author links and an author page redirect get the same gate', async () => {
    const wiki = fakeSource({
      id: 'ifwiki',
      priority: 100,
      host: 'wiki.test',
      authors: {
        [W + 'author/x']: {
          name: 'X',
          canonical_url: 'javascript:alert(1)',
          urls: [
            { urlcat_slug: 'personal_page', description: 'home', url: 'vbscript:msgbox(1)' },
            { urlcat_slug: 'personal_page', description: 'home', url: 'home.html' },
          ],
        },
      },
    });
    const importer = new Importer({ sources: [wiki], context: fakeSourceContext() });
    const author = await importer.importAuthor(W + 'author/x');
    assert.deepEqual(author.urls?.map((u) => u.url), [W + 'author/home.html']);
    assert.equal(author.canonical_url, undefined);
  });

  test('an allowed test host is still stored (IFQUEUE_ALLOW_HOSTS exempts it as it does for downloads)', () => {
    const importer = new Importer({ sources: [], context: fakeSourceContext(), allowHosts: ['127.0.0.1'] });
    assert.equal(importer.storableLink('http://127.0.0.1:8080/game.zip', W), 'http://127.0.0.1:8080/game.zip');
    assert.equal(importer.storableLink('http://127.0.0.2/game.zip', W), null);
  });
});
