// SSRF corpus additions (the rest is urls.test.ts): host NAMES whose DNS answer is private, link-local,
// mapped or mixed, refused before any connection; and a redirect chain that ends on such a name.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import type http from 'node:http';
import { createHttpClient, HttpError, type HttpClient } from '../../src/tasks/http/index.ts';
import { startLocalServer, type LocalServer } from '../tasks/http/local-server.ts';
import { makeTestConfig, type TestConfig } from '../tasks/http/test-config.ts';

// What a hostile (or compromised) resolver answers for each name.
const ANSWERS: Record<string, { address: string; family: number }[]> = {
  'intranet.example.com': [{ address: '10.0.0.7', family: 4 }],
  'router.example.com': [{ address: '192.168.1.1', family: 4 }],
  'metadata.example.com': [{ address: '169.254.169.254', family: 4 }],
  'cgnat.example.com': [{ address: '100.64.0.1', family: 4 }],
  'ula.example.com': [{ address: 'fd00::1', family: 6 }],
  'mapped.example.com': [{ address: '::ffff:172.16.0.1', family: 6 }],
  // one public answer does not launder a private one
  'mixed.example.com': [{ address: '93.184.215.14', family: 4 }, { address: '10.9.9.9', family: 4 }],
};

let server: LocalServer;
let setup: TestConfig;
let client: HttpClient;
const connects: string[] = [];
const onConnect = (message: unknown) => connects.push((message as { connectParams: { hostname: string } }).connectParams.hostname);

before(async () => {
  setup = await makeTestConfig({ IFQUEUE_ALLOW_HOSTS: '127.0.0.1' });
  const checkLookup = async (host: string) => {
    const answer = ANSWERS[host];
    if (!answer) throw Object.assign(new Error(`no fake answer for ${host}`), { code: 'ENOTFOUND' });
    return answer;
  };
  client = createHttpClient(setup.config, () => {}, { retries: 0, checkLookup });
  const hop = (next: string) => (_q: http.IncomingMessage, res: http.ServerResponse) => res.writeHead(302, { location: next }).end();
  server = await startLocalServer({
    '/hop1': hop('/hop2'),
    '/hop2': hop('/hop3'),
    '/hop3': hop('http://metadata.example.com/latest/meta-data/iam/'),
  });
  diagnostics.subscribe('undici:client:beforeConnect', onConnect);
});

after(async () => {
  diagnostics.unsubscribe('undici:client:beforeConnect', onConnect);
  await server.close();
  await setup.cleanup();
});

async function refusal(url: string): Promise<HttpError> {
  try {
    await client.getText(url, { signal: new AbortController().signal });
  } catch (error) {
    assert.ok(error instanceof HttpError, `expected HttpError for ${url}, got ${error}`);
    return error;
  }
  assert.fail(`${url} was fetched`);
}

describe('SSRF by name', () => {
  test('a host name whose answer is private, link-local, CGNAT, ULA, mapped or mixed is refused before any connection', async () => {
    connects.length = 0;
    for (const host of Object.keys(ANSWERS)) {
      const error = await refusal(`http://${host}/`);
      assert.equal(error.permanent, true, host);
      assert.match(error.message, new RegExp(`refused ${host.replaceAll('.', '\\.')}: resolves to`), host);
    }
    assert.deepEqual(connects, [], 'no socket was opened');
  });

  test('a three-hop redirect chain through the allowed server that ends on a name resolving to the metadata address is refused at that hop', async () => {
    connects.length = 0;
    const error = await refusal(server.url('/hop1'));
    assert.equal(error.permanent, true);
    assert.match(error.message, /metadata\.example\.com: resolves to/);
    assert.deepEqual([server.hits.get('/hop1'), server.hits.get('/hop2'), server.hits.get('/hop3')], [1, 1, 1]);
    assert.ok(connects.every((host) => host === '127.0.0.1'), `only the allowed server was connected to: ${connects.join(', ')}`);
  });
});
