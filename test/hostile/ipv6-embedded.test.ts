// SSRF, second pass: IPv6 spellings that carry an IPv4 address are judged by that address, and only
// global unicast ranges pass (an allow list: a range nobody listed is refused, e.g. 5f00::/16).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { AddressGuard } from '../../src/tasks/http/address-guard.ts';
import { createHttpClient, HttpError, type HttpClient } from '../../src/tasks/http/index.ts';
import { startLocalServer, type LocalServer } from '../tasks/http/local-server.ts';
import { makeTestConfig, type TestConfig } from '../tasks/http/test-config.ts';

/** [spelling, the IPv4 address it carries, the form] — every one must be refused. */
const EMBEDDING_LOOPBACK_OR_PRIVATE: [string, RegExp][] = [
  ['::127.0.0.1', /IPv4-compatible.*127\.0\.0\.1.*loopback/],
  ['::7f00:1', /IPv4-compatible.*loopback/],
  ['0:0:0:0:0:0:127.0.0.1', /IPv4-compatible.*loopback/],
  ['::10.0.0.1', /IPv4-compatible.*private/],
  ['::169.254.169.254', /IPv4-compatible.*linkLocal/],
  ['::ffff:127.0.0.1', /loopback/],
  ['::ffff:a9fe:a9fe', /linkLocal/],
  ['::ffff:0:127.0.0.1', /IPv4-translated.*loopback/],
  ['64:ff9b::127.0.0.1', /NAT64.*loopback/],
  ['64:ff9b::a9fe:a9fe', /NAT64.*linkLocal/],
  ['64:ff9b::192.168.0.1', /NAT64.*private/],
  ['64:ff9b:1::10.0.0.1', /local-use NAT64/],
  ['64:ff9b:1:7f00:0:100::', /local-use NAT64.*127\.0\.0\.1/],
  ['2002:7f00:1::', /6to4.*127\.0\.0\.1/],
  ['2002:a00:1::1', /6to4.*10\.0\.0\.1.*private/],
  ['2002:a9fe:a9fe::', /6to4.*linkLocal/],
  // Teredo: server 65.54.227.120, client 127.0.0.1 stored inverted (80ff:fffe)
  ['2001:0:4136:e378:8000:63bf:80ff:fffe', /Teredo.*127\.0\.0\.1/],
  // Teredo with a private server address
  ['2001:0:a00:1:8000:63bf:f7f7:f7f7', /Teredo.*10\.0\.0\.1/],
];

/** Ranges outside the allow list that no ipaddr.js name covers, and documentation/special ones inside 2000::/3. */
const NOT_GLOBAL: string[] = ['5f00::1', '100::1', '2001:db8::1', '3fff::1', '2001:2::1', 'fec0::1', '4000::1', 'fc00::1', 'ff0e::1', '192.0.0.9', '198.18.0.1', '240.0.0.1', '0.1.2.3'];

/** Global unicast addresses, some carried by the same forms: these pass. */
const GLOBAL: string[] = [
  '93.184.215.14',
  '2606:4700:4700::1111',
  '2a00:1450:4001:80b::200e',
  '::ffff:93.184.215.14',
  '64:ff9b::93.184.215.14',
  '2002:5db8:d70e::1',
  '2001:0:4136:e378:8000:63bf:a247:28f1',
];

let server: LocalServer;
let strict: TestConfig;
let allowed: TestConfig;
let strictClient: HttpClient;
let allowedClient: HttpClient;
const connects: string[] = [];
const onConnect = (message: unknown) => connects.push((message as { connectParams: { hostname: string } }).connectParams.hostname);

before(async () => {
  server = await startLocalServer({ '/ok': (_q, res) => res.writeHead(200).end('ok') });
  strict = await makeTestConfig({ IFQUEUE_ALLOW_HOSTS: '' });
  allowed = await makeTestConfig({ IFQUEUE_ALLOW_HOSTS: '127.0.0.1' });
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

async function refusal(client: HttpClient, url: string): Promise<HttpError> {
  try {
    await client.getText(url, { signal: new AbortController().signal });
  } catch (error) {
    assert.ok(error instanceof HttpError, `expected HttpError for ${url}, got ${error}`);
    return error;
  }
  assert.fail(`${url} was fetched`);
}

describe('IPv6 forms that carry IPv4', () => {
  test('each spelling is refused by the address it carries, permanently and before any connection', async () => {
    connects.length = 0;
    for (const [spelling, why] of EMBEDDING_LOOPBACK_OR_PRIVATE) {
      const url = `http://[${spelling}]:${server.port}/ok`;
      const error = await refusal(strictClient, url);
      assert.equal(error.permanent, true, spelling);
      assert.match(error.message, /refused/, spelling);
      assert.match(error.message, why, spelling);
    }
    assert.deepEqual(connects, [], 'no socket was opened');
    assert.equal(server.totalHits(), 0);
  });

  test('allowing 127.0.0.1 lets its mapped spelling through but not the compatible, NAT64 or 6to4 ones', async () => {
    connects.length = 0;
    for (const spelling of ['::127.0.0.1', '64:ff9b::127.0.0.1', '2002:7f00:1::']) {
      const error = await refusal(allowedClient, `http://[${spelling}]:${server.port}/ok`);
      assert.match(error.message, /refused/, spelling);
    }
    assert.deepEqual(connects, []);
    const guard = new AddressGuard(['127.0.0.1']);
    assert.equal(guard.refusalOf('::ffff:127.0.0.1'), null);
    assert.equal(guard.refusalOf('127.0.0.1'), null);
  });

  test('a name whose DNS answer is an embedding spelling is refused', async () => {
    const client = createHttpClient(strict.config, () => {}, { retries: 0, checkLookup: async () => [{ address: '64:ff9b::a9fe:a9fe', family: 6 }] });
    const error = await refusal(client, 'http://nat64.example.com/');
    assert.match(error.message, /nat64\.example\.com: resolves to .*linkLocal/);
  });
});

describe('allow list of global unicast ranges', () => {
  const guard = new AddressGuard([]);
  test('ranges outside the global unicast allow list are refused, named or not', () => {
    for (const address of NOT_GLOBAL) assert.notEqual(guard.refusalOf(address), null, address);
  });
  test('global unicast addresses pass, also when carried by a mapped, NAT64, 6to4 or Teredo address', () => {
    for (const address of GLOBAL) assert.equal(guard.refusalOf(address), null, address);
  });
  test('configured CIDR allowances still exempt private ranges (tests and intranets rely on them)', () => {
    const intranet = new AddressGuard(['10.1.0.0/16', 'fd00::/8']);
    assert.equal(intranet.refusalOf('10.1.2.3'), null);
    assert.equal(intranet.refusalOf('fd00::5'), null);
    assert.match(intranet.refusalOf('10.2.0.1') ?? '', /private/);
  });
});
