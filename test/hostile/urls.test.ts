// SSRF corpus: every refused target is refused before a socket is opened, in every spelling.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { AddressGuard } from '../../src/tasks/http/address-guard.ts';
import { createHttpClient, HttpError, type HttpClient } from '../../src/tasks/http/index.ts';
import { startLocalServer, type LocalServer } from '../tasks/http/local-server.ts';
import { makeTestConfig, type TestConfig } from '../tasks/http/test-config.ts';

let server: LocalServer;
let allowed: TestConfig;
let strict: TestConfig;
let strictClient: HttpClient;
let allowedClient: HttpClient;
let connectAttempts: string[] = [];
const onConnect = (message: unknown) => {
  const { connectParams } = message as { connectParams: { hostname: string } };
  connectAttempts.push(connectParams.hostname);
};
const signal = () => new AbortController().signal;

async function refusal(client: HttpClient, url: string): Promise<HttpError> {
  try {
    await client.getText(url, { signal: signal() });
  } catch (error) {
    assert.ok(error instanceof HttpError, `expected HttpError for ${url}, got ${error}`);
    return error;
  }
  assert.fail(`${url} was fetched`);
}

before(async () => {
  server = await startLocalServer({
    '/ok': (_q, res) => res.writeHead(200).end('ok'),
    '/to-metadata': (_q, res) => res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end(),
    '/to-loopback': (_q, res) => res.writeHead(302, { location: 'http://127.0.0.2:1/' }).end(),
    '/to-v6-loopback': (_q, res) => res.writeHead(302, { location: 'http://[::1]:1/' }).end(),
    '/to-file': (_q, res) => res.writeHead(302, { location: 'file:///etc/passwd' }).end(),
    '/to-mapped': (_q, res) => res.writeHead(307, { location: 'http://[::ffff:7f00:2]:1/' }).end(),
  });
  strict = await makeTestConfig({ IFQUEUE_ALLOW_HOSTS: '' });
  allowed = await makeTestConfig({ IFQUEUE_ALLOW_HOSTS: `127.0.0.1` });
  strictClient = createHttpClient(strict.config, () => {}, { retries: 0 });
  allowedClient = createHttpClient(allowed.config, () => {}, { retries: 0 });
  diagnostics.subscribe('undici:client:beforeConnect', onConnect);
});

after(async () => {
  diagnostics.unsubscribe('undici:client:beforeConnect', onConnect);
  await server.close();
  await strict.cleanup();
  await allowed.cleanup();
});

describe('SSRF guard', () => {
  const port = () => server.port;
  const loopbackSpellings = () => [
    `http://127.0.0.1:${port()}/ok`,
    `http://localhost:${port()}/ok`,
    `http://127.1:${port()}/ok`,
    `http://2130706433:${port()}/ok`,
    `http://0x7f000001:${port()}/ok`,
    `http://0177.0.0.1:${port()}/ok`,
    `http://0.0.0.0:${port()}/ok`,
    `http://[::1]:${port()}/ok`,
    `http://[::ffff:127.0.0.1]:${port()}/ok`,
    `http://[0:0:0:0:0:ffff:7f00:1]:${port()}/ok`,
    `https://127.0.0.1:${port()}/ok`,
  ];

  test('loopback is refused in every spelling without the allowance, before any connection', async () => {
    connectAttempts = [];
    for (const url of loopbackSpellings()) {
      const error = await refusal(strictClient, url);
      assert.equal(error.permanent, true, url);
      assert.match(error.message, /refused|loopback|unspecified/, url);
    }
    assert.deepEqual(connectAttempts, []);
    assert.equal(server.totalHits(), 0);
  });

  test('metadata, private, CGNAT, multicast and other non-public targets are refused before any connection', async () => {
    connectAttempts = [];
    const targets: [string, RegExp][] = [
      ['http://169.254.169.254/latest/meta-data/', /linkLocal/],
      ['http://10.0.0.1/', /private/],
      ['http://172.16.5.4/', /private/],
      ['http://192.168.1.1/', /private/],
      ['http://100.64.0.1/', /carrierGradeNat/],
      ['http://224.0.0.1/', /multicast/],
      ['http://255.255.255.255/', /broadcast/],
      ['http://[fe80::1]/', /linkLocal/],
      ['http://[fd00::1]/', /uniqueLocal/],
      ['http://[::]/', /unspecified/],
      ['http://[::ffff:10.0.0.1]/', /private/],
      ['http://[::ffff:169.254.169.254]/', /linkLocal/],
    ];
    for (const [url, why] of targets) {
      const error = await refusal(allowedClient, url);
      assert.equal(error.permanent, true, url);
      assert.match(error.message, why, url);
    }
    assert.deepEqual(connectAttempts, []);
  });

  test('non-http schemes are refused', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://example.org/x', 'gopher://127.0.0.1:70/', 'data:text/plain,hi', 'javascript:alert(1)']) {
      const error = await refusal(allowedClient, url);
      assert.equal(error.permanent, true, url);
      assert.match(error.message, /scheme .* is not allowed|not a valid URL/, url);
    }
  });

  test('the allowance lets the test server through', async () => {
    const response = await allowedClient.getText(server.url('/ok'), { signal: signal() });
    assert.equal(response.text, 'ok');
  });

  test('a redirect from the allowed server to a refused address is refused at that hop', async () => {
    connectAttempts = [];
    for (const [path, why] of [
      ['/to-metadata', /169\.254\.169\.254.*linkLocal/],
      ['/to-loopback', /127\.0\.0\.2.*loopback/],
      ['/to-v6-loopback', /::1.*loopback/],
      ['/to-file', /scheme file: is not allowed/],
      ['/to-mapped', /loopback/],
    ] as const) {
      const error = await refusal(allowedClient, server.url(path));
      assert.equal(error.permanent, true, path);
      assert.match(error.message, why, path);
    }
    // only the allowed server itself was contacted
    assert.ok(connectAttempts.every((host) => host === '127.0.0.1'), connectAttempts.join(','));
  });

  test('a name that re-resolves to loopback between check and connect is refused at connect time', async () => {
    // The pre-connect check is told "localhost" is public; the socket's own lookup sees 127.0.0.1.
    const rebinding = createHttpClient(strict.config, () => {}, { retries: 0, checkLookup: async () => [{ address: '93.184.215.14', family: 4 }] });
    const hitsBefore = server.totalHits();
    const error = await refusal(rebinding, `http://localhost:${server.port}/ok`);
    assert.equal(error.permanent, true);
    assert.match(error.message, /at connect time/);
    assert.equal(server.totalHits(), hitsBefore);
  });

  test('allowance by CIDR and by host name', () => {
    const guard = new AddressGuard(['10.1.0.0/16', 'intranet.example']);
    assert.equal(guard.refusalOf('10.1.2.3'), null);
    assert.match(guard.refusalOf('10.2.0.1') ?? '', /private/);
    assert.equal(guard.refusalOf('93.184.215.14'), null);
  });
});
