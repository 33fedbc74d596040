import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../../src/runner/errors.ts';
import { DEFAULT_EXTRACTOR, DEFAULT_LIMITS, loadTasksConfig, maskSecrets } from '../../src/tasks/config.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ifq-config-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function invalid(env: Record<string, string>, variable: string): string {
  try {
    loadTasksConfig(env);
  } catch (error) {
    assert.ok(error instanceof UserError);
    assert.ok(error.message.includes(variable), error.message);
    assert.ok(!error.message.includes('\n'));
    return error.message;
  }
  assert.fail(`expected ${variable} to be refused`);
}

describe('tasks configuration', () => {
  test('defaults: /f/ prefix, no allowed hosts, the maintenance robot, unar, the documented limits', () => {
    const config = loadTasksConfig({});
    assert.equal(config.filesUrlPrefix, '/f/');
    assert.deepEqual(config.allowHosts, []);
    assert.deepEqual(config.sources, {});
    assert.equal(config.maintenanceUser, 'бездушный робот');
    assert.equal(config.discordWebhook, null);
    // the defaults the README's configuration table documents, written out
    assert.deepEqual(config.extractor, ['unar', '-q', '-f', '-D', '-o', '%OUTDIR%', '%ARCHIVE%']);
    assert.deepEqual(config.limits, {
      fileBytes: 536_870_912, // 512 MiB
      pageBytes: 10_485_760, // 10 MiB
      requestTimeoutMs: 1_800_000, // 30 min
      idleTimeoutMs: 60_000,
      maxRedirects: 5,
      archiveEntries: 10_000,
      archiveBytes: 1_073_741_824, // 1 GiB
      extractorTimeoutMs: 300_000, // 5 min
    });
    assert.deepEqual(DEFAULT_EXTRACTOR, config.extractor);
    assert.deepEqual(DEFAULT_LIMITS, config.limits);
    assert.ok(path.isAbsolute(config.filesDir) && path.isAbsolute(config.tmpDir));
  });

  test('reads every variable', async () => {
    const webhookFile = path.join(dir, 'webhook');
    await writeFile(webhookFile, 'https://discord.com/api/webhooks/1/secret-token\n');
    const config = loadTasksConfig({
      IFQUEUE_FILES_DIR: dir,
      IFQUEUE_FILES_URL_PREFIX: '/media',
      IFQUEUE_TMP_DIR: path.join(dir, 'tmp'),
      IFQUEUE_ALLOW_HOSTS: '127.0.0.1, 10.0.0.0/8 files.local ::1',
      IFQUEUE_SOURCES: JSON.stringify({ ifwiki: 'http://127.0.0.1:1/api.php', discord: 'http://127.0.0.1:1/hook' }),
      IFQUEUE_MAINTENANCE_USER: 'robot',
      IFQUEUE_DISCORD_WEBHOOK_FILE: webhookFile,
      IFQUEUE_EXTRACTOR: '["/bin/x","%ARCHIVE%","--to=%OUTDIR%"]',
      IFQUEUE_MAX_FILE_BYTES: '2MiB',
      IFQUEUE_MAX_PAGE_BYTES: '1024',
      IFQUEUE_ARCHIVE_MAX_ENTRIES: '50',
      IFQUEUE_ARCHIVE_MAX_BYTES: '1G',
      IFQUEUE_EXTRACTOR_TIMEOUT_MS: '1500',
      IFQUEUE_MAX_REDIRECTS: '3',
    });
    assert.equal(config.filesDir, dir);
    assert.equal(config.filesUrlPrefix, '/media/');
    assert.deepEqual(config.allowHosts, ['127.0.0.1', '10.0.0.0/8', 'files.local', '::1']);
    assert.equal(config.sources.ifwiki, 'http://127.0.0.1:1/api.php');
    assert.equal(config.maintenanceUser, 'robot');
    assert.equal(config.discordWebhook, 'https://discord.com/api/webhooks/1/secret-token');
    assert.deepEqual(config.extractor, ['/bin/x', '%ARCHIVE%', '--to=%OUTDIR%']);
    assert.equal(config.limits.fileBytes, 2 * 1024 * 1024);
    assert.equal(config.limits.pageBytes, 1024);
    assert.equal(config.limits.archiveEntries, 50);
    assert.equal(config.limits.archiveBytes, 1024 ** 3);
    assert.equal(config.limits.extractorTimeoutMs, 1500);
    assert.equal(config.limits.maxRedirects, 3);
  });

  test('invalid values fail with one line naming the variable', () => {
    invalid({ IFQUEUE_MAX_FILE_BYTES: 'lots' }, 'IFQUEUE_MAX_FILE_BYTES');
    invalid({ IFQUEUE_MAX_PAGE_BYTES: '0' }, 'IFQUEUE_MAX_PAGE_BYTES');
    invalid({ IFQUEUE_MAX_REDIRECTS: '9' }, 'IFQUEUE_MAX_REDIRECTS');
    invalid({ IFQUEUE_ARCHIVE_MAX_ENTRIES: '-1' }, 'IFQUEUE_ARCHIVE_MAX_ENTRIES');
    invalid({ IFQUEUE_SOURCES: '{"ifwiki":' }, 'IFQUEUE_SOURCES');
    assert.match(invalid({ IFQUEUE_SOURCES: '{"ifwikki":"http://x/"}' }, 'IFQUEUE_SOURCES'), /unknown id "ifwikki"/);
    invalid({ IFQUEUE_SOURCES: '{"apero":"file:///etc/passwd"}' }, 'IFQUEUE_SOURCES.apero');
    invalid({ IFQUEUE_SOURCES: '["http://x/"]' }, 'IFQUEUE_SOURCES');
    invalid({ IFQUEUE_EXTRACTOR: 'unar %ARCHIVE% -o %OUTDIR%' }, 'IFQUEUE_EXTRACTOR');
    assert.match(invalid({ IFQUEUE_EXTRACTOR: '["unar","%ARCHIVE%"]' }, 'IFQUEUE_EXTRACTOR'), /%OUTDIR%/);
    invalid({ IFQUEUE_ALLOW_HOSTS: 'exa mple!' }, 'IFQUEUE_ALLOW_HOSTS');
    invalid({ IFQUEUE_DISCORD_WEBHOOK_FILE: path.join(dir, 'missing') }, 'IFQUEUE_DISCORD_WEBHOOK_FILE');
    invalid({ IFQUEUE_DISCORD_WEBHOOK: 'http://a/', IFQUEUE_DISCORD_WEBHOOK_FILE: '/x' }, 'IFQUEUE_DISCORD_WEBHOOK_FILE');
    invalid({ IFQUEUE_FILES_URL_PREFIX: 'f' }, 'IFQUEUE_FILES_URL_PREFIX');
  });

  test('an invalid webhook URL is reported without printing it whole', () => {
    const message = invalid({ IFQUEUE_DISCORD_WEBHOOK: 'ftp://u:pw@x/api/webhooks/1/tok' }, 'IFQUEUE_DISCORD_WEBHOOK');
    assert.doesNotMatch(message, /pw@|\/tok/);
  });
});

describe('maskSecrets', () => {
  test('masks userinfo, webhook tokens and secret query values, and nothing else', () => {
    assert.equal(maskSecrets('GET http://bob:pw@x.ru/a failed'), 'GET http://***@x.ru/a failed');
    assert.equal(maskSecrets('https://discord.com/api/webhooks/123/abcDEF-xyz?wait=true'), 'https://discord.com/api/webhooks/123/***?wait=true');
    assert.equal(maskSecrets('http://x/?a=1&access_token=zzz&api_key=k&b=2'), 'http://x/?a=1&access_token=***&api_key=***&b=2');
    assert.equal(maskSecrets('https://ifwiki.ru/index.php?title=Игра&page=2'), 'https://ifwiki.ru/index.php?title=Игра&page=2');
  });
});
