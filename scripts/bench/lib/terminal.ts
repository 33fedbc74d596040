// An in-memory terminal for running the real dashboard in a benchmark process.
import { EventEmitter } from 'node:events';

export class MemoryStdout extends EventEmitter {
  isTTY = true;
  bytes = 0;
  constructor(
    public columns = 120,
    public rows = 40,
  ) {
    super();
  }
  write = (chunk: string, ...rest: unknown[]): boolean => {
    this.bytes += chunk.length;
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    if (callback) queueMicrotask(callback);
    return true;
  };
}

export class MemoryStdin extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  write(data: string): void {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  }
  read = (): string | null => {
    const d = this.data;
    this.data = null;
    return d;
  };
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}

export const KEYS = { enter: '\r', escape: '\u001b' } as const;
