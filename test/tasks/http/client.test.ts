import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import iconv from 'iconv-lite';
import { createHttpClient, HttpError, type HttpClient } from '../../../src/tasks/http/index.ts';
import { endless, neverAnswer, startLocalServer, trickle, type LocalServer } from './local-server.ts';
import { makeTestConfig, type TestConfig } from './test-config.ts';

let server: LocalServer;
let setup: TestConfig;
let client: HttpClient;
const logs: string[] = [];
const signal = () => new AbortController().signal;

async function rejection(promise: Promise<unknown>): Promise<HttpError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof HttpError, `expected HttpError, got ${error}`);
    return error;
  }
  assert.fail('expected a rejection');
}

before(async () => {
  server = await startLocalServer({
    '/hello': (req, res) => res.writeHead(200, { 'content-type': 'Text/HTML; charset=utf-8' }).end(`<p>hi ${req.headers['user-agent']}</p>`),
    '/cp1251-header': (_q, res) => res.writeHead(200, { 'content-type': 'text/html; charset=windows-1251' }).end(iconv.encode('Привет', 'windows-1251')),
    '/cp1251-meta': (_q, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end(Buffer.concat([Buffer.from('<html><head><meta charset="windows-1251"></head><body>'), iconv.encode('Игра', 'windows-1251')])),
    '/cp1251-bare': (_q, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(iconv.encode('Ёлка', 'windows-1251')),
    '/json': (_q, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"a":[1,2]}'),
    '/bad-json': (_q, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{nope'),
    '/missing': (_q, res) => res.writeHead(404).end('gone'),
    '/always-500': (_q, res) => res.writeHead(500).end('down'),
    '/redirect-1': (_q, res) => res.writeHead(302, { location: '/redirect-2' }).end(),
    '/redirect-2': (_q, res) => res.writeHead(301, { location: '/hello' }).end(),
    '/file': (_q, res) =>
      res.writeHead(200, { 'content-type': 'application/zip', 'content-disposition': "attachment; filename*=UTF-8''%D0%98%D0%B3%D1%80%D0%B0.zip" }).end(Buffer.alloc(100_000, 7)),
    '/slow': (_q, res) => setTimeout(() => res.writeHead(200).end('ok'), 150),
    '/post': (req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => res.writeHead(204).end(body.length ? '' : 'empty'));
    },
    '/never': neverAnswer,
    '/trickle': trickle(200),
    '/endless': endless(),
  });
  let flaky = 0;
  server.route('/flaky', (_q, res) => void (++flaky < 3 ? res.writeHead(503).end() : res.writeHead(200).end('third time')));
  for (let i = 0; i < 7; i++) server.route(`/loop-${i}`, (_q, res) => res.writeHead(302, { location: `/loop-${i + 1}` }).end());
  setup = await makeTestConfig({ IFQUEUE_MAX_PAGE_BYTES: '64KiB', IFQUEUE_MAX_FILE_BYTES: '1MiB', IFQUEUE_IDLE_TIMEOUT_MS: '1000', IFQUEUE_REQUEST_TIMEOUT_MS: '3000' });
  client = createHttpClient(setup.config, (level, message) => logs.push(`${level} ${message}`), { retries: 2, retryDelayMs: 10 });
});

after(async () => {
  await server.close();
  await setup.cleanup();
});

describe('HTTP client', () => {
  test('getText sends the ifqueue User-Agent and reports the media type without parameters', async () => {
    const response = await client.getText(server.url('/hello'), { signal: signal() });
    assert.equal(response.status, 200);
    assert.equal(response.contentType, 'text/html');
    assert.equal(response.text, '<p>hi ifqueue (IFDB)</p>');
    assert.equal(response.requestUrl, server.url('/hello'));
  });

  test('decodes cp1251 from the header, from <meta>, or from the caller default', async () => {
    assert.equal((await client.getText(server.url('/cp1251-header'), { signal: signal() })).text, 'Привет');
    assert.match((await client.getText(server.url('/cp1251-meta'), { signal: signal() })).text, /Игра$/);
    assert.equal((await client.getText(server.url('/cp1251-bare'), { signal: signal(), encoding: 'windows-1251' })).text, 'Ёлка');
  });

  test('getJson parses JSON and rejects garbage permanently', async () => {
    assert.deepEqual(await client.getJson(server.url('/json'), { signal: signal() }), { a: [1, 2] });
    const error = await rejection(client.getJson(server.url('/bad-json'), { signal: signal() }));
    assert.equal(error.permanent, true);
    assert.match(error.message, /invalid JSON/);
  });

  test('follows redirects and reports the final URL', async () => {
    const response = await client.getText(server.url('/redirect-1'), { signal: signal() });
    assert.equal(response.finalUrl, server.url('/hello'));
    assert.equal(response.requestUrl, server.url('/redirect-1'));
  });

  test('more than 5 redirects fail permanently', async () => {
    const error = await rejection(client.getText(server.url('/loop-0'), { signal: signal() }));
    assert.equal(error.permanent, true);
    assert.match(error.message, /more than 5 redirects/);
    assert.equal(server.hits.get('/loop-6'), undefined);
  });

  test('4xx is permanent and not retried', async () => {
    const error = await rejection(client.getText(server.url('/missing'), { signal: signal() }));
    assert.equal(error.status, 404);
    assert.equal(error.permanent, true);
    assert.equal(server.hits.get('/missing'), 1);
  });

  test('5xx is retried with backoff and is transient when it persists', async () => {
    assert.equal((await client.getText(server.url('/flaky'), { signal: signal() })).text, 'third time');
    const error = await rejection(client.getText(server.url('/always-500'), { signal: signal() }));
    assert.equal(error.status, 500);
    assert.equal(error.permanent, false);
    assert.equal(server.hits.get('/always-500'), 3);
    assert.ok(logs.some((l) => /HTTP 503; retry 1 of 2/.test(l)));
  });

  test('download streams to the destination and reads the RFC 6266 filename', async () => {
    const destination = path.join(setup.root, 'download.bin');
    let progress = 0;
    const result = await client.download(server.url('/file'), destination, { signal: signal(), onProgress: (b) => (progress = b) });
    assert.equal(result.bytes, 100_000);
    assert.equal(progress, 100_000);
    assert.equal(result.contentType, 'application/zip');
    assert.equal(result.dispositionFilename, 'Игра.zip');
    assert.equal((await readFile(destination)).length, 100_000);
  });

  test('a never-ending download stops at the size limit, permanently, leaving no file', async () => {
    const destination = path.join(setup.root, 'endless.bin');
    const error = await rejection(client.download(server.url('/endless'), destination, { signal: signal() }));
    assert.equal(error.permanent, true);
    assert.match(error.message, /larger than the 1048576-byte limit/);
    assert.ok(!(await readdir(setup.root)).includes('endless.bin'));
  });

  test('a never-ending page stops at the page limit', async () => {
    const error = await rejection(client.getText(server.url('/endless'), { signal: signal() }));
    assert.equal(error.permanent, true);
    assert.match(error.message, /65536-byte limit/);
  });

  test('a server that accepts and never answers hits the idle timeout, transient', async () => {
    const quick = createHttpClient(setup.config, () => {}, { retries: 0 });
    const error = await rejection(quick.getText(server.url('/never'), { signal: signal() }));
    assert.equal(error.permanent, false);
    assert.match(error.message, /no data for 1000 ms|no complete response/);
  });

  test('a trickling body is cut at the request deadline', async () => {
    const quick = createHttpClient(setup.config, () => {}, { retries: 0 });
    const error = await rejection(quick.getText(server.url('/trickle'), { signal: signal(), timeoutMs: 800 }));
    assert.equal(error.permanent, false);
    assert.match(error.message, /no complete response within 800 ms/);
  });

  test('the caller signal aborts a request in flight', async () => {
    const controller = new AbortController();
    const pending = client.getText(server.url('/never'), { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = await rejection(pending);
    assert.match(error.message, /aborted/);
  });

  test('at most 2 requests per host are in flight at once', async () => {
    const before = server.maxInFlight();
    assert.ok(before <= 2);
    await Promise.all(Array.from({ length: 6 }, () => client.getText(server.url('/slow'), { signal: signal() })));
    assert.equal(server.hits.get('/slow'), 6);
    assert.equal(server.maxInFlight(), 2);
  });

  test('postJson sends one request and returns the status', async () => {
    const result = await client.postJson(server.url('/post'), { content: 'x' }, { signal: signal() });
    assert.equal(result.status, 204);
    assert.equal(server.hits.get('/post'), 1);
  });

  test('secrets in URLs are masked in errors', async () => {
    const error = await rejection(client.getText(`http://user:hunter2@127.0.0.1:${server.port}/missing?token=abc123&x=1`, { signal: signal() }));
    assert.doesNotMatch(error.message, /hunter2|abc123/);
    assert.doesNotMatch(error.url, /hunter2|abc123/);
    assert.match(error.message, /token=\*\*\*/);
  });
});
