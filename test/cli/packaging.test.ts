// What `npm pack` ships: the built bundle and what an operator needs (docs, systemd unit, system
// packages script, IFDB's drop-in), not tests, fixtures, sources or screenshots; an unpacked tarball
// runs from dist/ without src/; engines admit the Node 20 the launcher re-executes on Node 24.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const root = fileURLToPath(new URL('../../', import.meta.url));
let dir: string;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ifqueue-pack-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('npm pack ships dist/ and no tests, fixtures, sources or screenshots', { timeout: 180_000 }, async () => {
  const r = await execa('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, reject: false });
  assert.equal(r.exitCode, 0, String(r.stderr));
  const files = (JSON.parse(String(r.stdout))[0].files as { path: string }[]).map((f) => f.path);
  for (const wanted of ['bin/ifqueue.js', 'dist/ifqueue.js', 'package.json', 'README.md', 'docs/operations.md', 'scripts/systemd/ifqueue.service', 'scripts/install-system-deps.sh', 'integrations/ifdb/taskqueue.py'])
    assert.ok(files.includes(wanted), `${wanted} is shipped`);
  assert.ok(files.some((f) => /^dist\/runner-.*\.js$/.test(f)), 'the lazily loaded chunks are shipped');
  const unwanted = files.filter((f) => /^(test|src|screenshots|scripts\/bench|scripts\/screenshots|bench-results|integrations\/ifdb\/tests)\//.test(f));
  assert.deepEqual(unwanted, []);
});

test('an unpacked tarball runs from its bundle, without src/', { timeout: 180_000 }, async () => {
  const packed = await execa('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: root, reject: false });
  assert.equal(packed.exitCode, 0, String(packed.stderr));
  const tarball = path.join(dir, JSON.parse(String(packed.stdout))[0].filename as string);
  await execa('tar', ['-xzf', tarball, '-C', dir]);
  const pkg = path.join(dir, 'package');
  assert.equal(existsSync(path.join(pkg, 'src')), false);
  await symlink(path.join(root, 'node_modules'), path.join(pkg, 'node_modules'));
  const version = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')).version as string;
  const r = await execa(process.execPath, [path.join(pkg, 'bin', 'ifqueue.js'), '--version'], { reject: false, env: { IFQUEUE_FROM_SOURCE: '' } });
  assert.equal(r.exitCode, 0, String(r.stderr));
  assert.equal(String(r.stdout).trim(), version);
  const help = await execa(process.execPath, [path.join(pkg, 'bin', 'ifqueue.js'), 'enqueue', '--help'], { reject: false });
  assert.match(String(help.stdout), /--args-file <file>/);
});

test('engines admit Node 20: the launcher re-executes Node older than 22.12 on the bundled Node 24', async () => {
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  const lowest = /^>=\s*(\d+)(?:\.(\d+))?/.exec(pkg.engines.node);
  assert.ok(lowest, `engines.node is a lower bound: ${pkg.engines.node}`);
  assert.ok(Number(lowest[1]) <= 20, `Node 20 is admitted by ${pkg.engines.node}`);
  assert.match(pkg.dependencies.node, /^\^?24\./, 'Node 24 comes along as the npm package "node"');
});
