#!/usr/bin/env node
// Starts the CLI on Node >= 22.12: re-executes itself with the Node 24 that npm installed
// (package "node") when the machine's own Node is older.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const [major, minor] = process.versions.node.split('.').map(Number);
const here = path.dirname(fileURLToPath(import.meta.url));

if (major < 22 || (major === 22 && minor < 12)) {
  const local = path.join(here, '..', 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(local)) {
    process.stderr.write(`ifqueue needs Node >= 22.12 (this is ${process.versions.node}); run npm install first\n`);
    process.exit(1);
  }
  const child = spawn(local, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(s, () => child.kill(s));
  child.on('exit', (code, signal) => (signal ? process.kill(process.pid, signal) : process.exit(code ?? 1)));
} else {
  const { tsImport } = await import('tsx/esm/api');
  const { main } = await tsImport('../src/cli/main.ts', import.meta.url);
  await main();
  // Some dependencies install exit hooks that reset the exit code; keep ours.
  const code = process.exitCode;
  process.once('exit', () => {
    if (code) process.exitCode = code;
  });
}
