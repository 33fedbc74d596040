#!/usr/bin/env node
// Starts the CLI on Node >= 22.12: re-executes itself with the Node 24 that npm installed
// (package "node") when the machine's own Node is older. Runs the esbuild bundle in dist/ when it is
// at least as new as every file in src/ (npm install builds it), otherwise the sources through tsx.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const [major, minor] = process.versions.node.split('.').map(Number);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function bundleIsFresh() {
  const bundle = path.join(root, 'dist', 'ifqueue.js');
  if (process.env.IFQUEUE_FROM_SOURCE || !existsSync(bundle)) return false;
  // an installed package ships dist/ without src/
  if (!existsSync(path.join(root, 'src'))) return true;
  try {
    return statSync(bundle).mtimeMs >= newestMtime(path.join(root, 'src'));
  } catch {
    return false;
  }
}

// The dashboard (a terminal, no command, no --daemon) runs with a small young generation: V8's
// default lets it grow to 32 MB per semi-space, which the dashboard's peak RSS carried (200 MB ->
// about 145 MB, scripts/bench/p4) for no gain in an interactive process. V8 reads the flag only at start.
const SMALL_HEAP = '--max-semi-space-size=2';
const VALUE_OPTIONS = new Set(['--database-url', '--metrics-port', '--metrics-host', '--queues']);
function isDashboard(args) {
  if (!process.stdout.isTTY || !process.stdin.isTTY) return false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (['--daemon', '--help', '-h', '--version', '-V', '--'].includes(a) || !a.startsWith('-')) return false;
    if (VALUE_OPTIONS.has(a)) i++;
  }
  return true;
}
const heapFlags = (args) => (isDashboard(args) && !process.execArgv.includes(SMALL_HEAP) ? [SMALL_HEAP] : []);

// IFQUEUE_LAUNCHER=1 takes the launcher path on any Node (the tests use it where no old Node is installed).
const relaunch = major < 22 || (major === 22 && minor < 12) || process.env.IFQUEUE_LAUNCHER === '1';
// On a Node that runs the CLI itself, the dashboard restarts in place with the flag (Node >= 22.15 has
// process.execve; no second process).
if (!relaunch && typeof process.execve === 'function' && heapFlags(process.argv.slice(2)).length) {
  process.execve(process.execPath, [process.execPath, ...process.execArgv, SMALL_HEAP, fileURLToPath(import.meta.url), ...process.argv.slice(2)], process.env);
}
if (relaunch && !process.env.IFQUEUE_LAUNCHER_PID) {
  const local = path.join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(local)) {
    process.stderr.write(`ifqueue needs Node >= 22.12 (this is ${process.versions.node}); run npm install first\n`);
    process.exit(1);
  }
  // A --database-url (and its password) never goes on the child's command line, where `ps` shows it
  // to every local user: it travels in the environment, and the CLI puts it back in memory.
  const args = process.argv.slice(2);
  const env = { ...process.env };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--') break;
    const inline = args[i].startsWith('--database-url=');
    if ((args[i] !== '--database-url' || args[i + 1] === undefined) && !inline) continue;
    env.IFQUEUE_LAUNCHER_DATABASE_URL = inline ? args[i].slice('--database-url='.length) : args[i + 1];
    args.splice(i, inline ? 1 : 2);
    i--;
  }
  // The IPC channel carries the signals this launcher receives (the CLI merges them with the copies a
  // terminal sends it directly: src/cli/signals.ts), and closes when this process dies, even by
  // SIGKILL, so the CLI never outlives it.
  const child = spawn(local, [...heapFlags(args), fileURLToPath(import.meta.url), ...args], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...env, IFQUEUE_LAUNCHER: '', IFQUEUE_LAUNCHER_PID: String(process.pid) },
  });
  for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
    process.on(s, () => {
      if (child.connected) child.send({ ifqueueSignal: s }, () => {});
      else child.kill(s);
    });
  }
  // tsx reports loaded modules to an IPC parent; nothing to do with them
  child.on('message', () => {});
  child.on('error', (error) => {
    process.stderr.write(`ifqueue: cannot start ${local}: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (!signal) process.exit(code ?? 1);
    // end the same way: without our listeners, the signal's default action
    for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.removeAllListeners(s);
    process.kill(process.pid, signal);
  });
} else {
  let main;
  if (bundleIsFresh()) {
    // Before the bundle loads: stack traces (a failed job's error stack, IFQUEUE_DEBUG) then name src/… files
    // through dist/*.js.map instead of the bundle's chunks. (tsx does the same for the sources.)
    process.setSourceMapsEnabled(true);
    ({ main } = await import(pathToFileURL(path.join(root, 'dist', 'ifqueue.js')).href));
  } else {
    const { tsImport } = await import('tsx/esm/api');
    ({ main } = await tsImport('../src/cli/main.ts', import.meta.url));
  }
  await main();
  // Some dependencies install exit hooks that reset the exit code; keep ours.
  const code = process.exitCode;
  process.once('exit', () => {
    if (code) process.exitCode = code;
  });
}
