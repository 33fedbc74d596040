// Screenshots of local HTML pages at an exact viewport size, through Chromium's DevTools protocol over a pipe.
// (`chromium --headless --screenshot` sizes the window, not the viewport, so the picture comes out cut or padded.)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';

type Message = { id?: number; method?: string; sessionId?: string; result?: Record<string, unknown>; error?: { message: string } };

export interface Browser {
  screenshot(url: string, width: number, height: number): Promise<Buffer>;
  close(): Promise<void>;
}

export async function launchChromium(executable: string): Promise<Browser> {
  const profile = await mkdtemp(path.join(tmpdir(), 'ifq-chromium-'));
  const child: ChildProcess = spawn(
    executable,
    ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run', '--remote-debugging-pipe', `--user-data-dir=${profile}`, 'about:blank'],
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
  );
  const toChrome = child.stdio[3] as Writable;
  const fromChrome = child.stdio[4] as Readable;
  let nextId = 1;
  const pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  const waiters: Array<{ method: string; sessionId?: string; resolve: () => void }> = [];
  let buffer = '';
  fromChrome.setEncoding('utf8');
  fromChrome.on('data', (chunk: string) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf('\0')) >= 0) {
      const message = JSON.parse(buffer.slice(0, end)) as Message;
      buffer = buffer.slice(end + 1);
      if (message.id !== undefined) {
        const p = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) p?.reject(new Error(message.error.message));
        else p?.resolve(message);
      } else {
        const i = waiters.findIndex((w) => w.method === message.method && (!w.sessionId || w.sessionId === message.sessionId));
        if (i >= 0) waiters.splice(i, 1)[0].resolve();
      }
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => {
    for (const p of pending.values()) p.reject(new Error('chromium exited'));
    pending.clear();
  });

  const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Message> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      toChrome.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    });
  const eventOnce = (method: string, sessionId?: string) => new Promise<void>((resolve) => waiters.push({ method, sessionId, resolve }));

  return {
    async screenshot(url, width, height) {
      const { result: target } = await send('Target.createTarget', { url: 'about:blank' });
      const { result: attached } = await send('Target.attachToTarget', { targetId: target!.targetId, flatten: true });
      const session = attached!.sessionId as string;
      try {
        await send('Page.enable', {}, session);
        await send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false }, session);
        const loaded = eventOnce('Page.loadEventFired', session);
        await send('Page.navigate', { url }, session);
        await loaded;
        // Web fonts are local, but let layout settle before the picture.
        await send('Runtime.evaluate', { expression: 'document.fonts.ready.then(() => true)', awaitPromise: true }, session);
        const { result } = await send('Page.captureScreenshot', { format: 'png', clip: { x: 0, y: 0, width, height, scale: 1 } }, session);
        return Buffer.from(result!.data as string, 'base64');
      } finally {
        await send('Target.closeTarget', { targetId: target!.targetId }).catch(() => {});
      }
    },
    async close() {
      await send('Browser.close').catch(() => {});
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      await rm(profile, { recursive: true, force: true });
    },
  };
}
