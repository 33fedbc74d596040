// Running IFDB's drop-in (integrations/ifdb) in real Python: Debian's python3 with Django and psycopg2
// (scripts/install-system-deps.sh installs them; a pyenv python3 on PATH cannot see them).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const PYTHON = process.env.IFQUEUE_TEST_PYTHON ?? '/usr/bin/python3';
export const DROP_IN_DIR = fileURLToPath(new URL('../../integrations/ifdb/', import.meta.url));

export interface PythonRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs Python asynchronously (the runner in this process keeps working meanwhile). */
export function runPython(args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Promise<PythonRun> {
  if (!existsSync(PYTHON)) {
    throw new Error(`${PYTHON} is missing: run scripts/install-system-deps.sh (Debian's python3, python3-django, python3-psycopg2)`);
  }
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, {
      cwd: options.cwd ?? DROP_IN_DIR,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 170_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
