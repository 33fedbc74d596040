// A loopback origin server for the fault suite, driven by query knobs on every path:
//   size=<bytes>      body length (default 1024), sent as application/octet-stream with a filename
//   rate=<bytes/s>    throttle the body (default: as fast as the socket takes it)
//   stall=headers     accept the request and never answer
//   stall=body        send the headers, then nothing
//   redirect=<n>      answer 302 to the same URL with n-1 until 0
// It counts requests and open sockets, and close() destroys every socket.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';

export interface Origin {
  origin: string;
  url(path: string, knobs?: Record<string, string | number>): string;
  requests(): number;
  openSockets(): number;
  /** bytes of body written so far over all responses */
  bytesSent(): number;
  close(): Promise<void>;
}

export async function startOrigin(): Promise<Origin> {
  const sockets = new Set<Socket>();
  let requests = 0;
  let sent = 0;
  const server = http.createServer((request, response) => {
    requests++;
    const url = new URL(request.url ?? '/', 'http://origin');
    const knob = (name: string) => url.searchParams.get(name);
    const redirect = Number(knob('redirect') ?? 0);
    if (redirect > 0) {
      url.searchParams.set('redirect', String(redirect - 1));
      response.writeHead(302, { location: url.pathname + url.search }).end();
      return;
    }
    if (knob('stall') === 'headers') return;
    const size = Number(knob('size') ?? 1024);
    const name = url.pathname.split('/').pop() || 'file.bin';
    response.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename="${name}"`,
      ...(knob('stall') === 'body' ? {} : { 'content-length': String(size) }),
    });
    if (knob('stall') === 'body') {
      response.flushHeaders();
      return;
    }
    const rate = Number(knob('rate') ?? 0);
    // a slow rate sends one byte per tick (1 byte/s is one byte a second), a fast one a chunk per 100 ms
    const tickMs = rate > 0 ? Math.max(100, Math.floor(1000 / rate)) : 0;
    const chunkSize = rate > 0 ? Math.max(1, Math.floor((rate * tickMs) / 1000)) : 64 * 1024;
    let left = size;
    const writeChunk = (): boolean => {
      const n = Math.min(chunkSize, left);
      left -= n;
      sent += n;
      return response.write(Buffer.alloc(n, 0x61));
    };
    if (rate > 0) {
      const timer = setInterval(() => {
        if (left <= 0 || response.destroyed) {
          clearInterval(timer);
          if (!response.destroyed) response.end();
          return;
        }
        writeChunk();
      }, tickMs);
      response.on('close', () => clearInterval(timer));
      return;
    }
    const pump = () => {
      while (left > 0 && !response.destroyed) if (!writeChunk()) return void response.once('drain', pump);
      if (!response.destroyed) response.end();
    };
    pump();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    url(path, knobs = {}) {
      const u = new URL(path, origin);
      for (const [k, v] of Object.entries(knobs)) u.searchParams.set(k, String(v));
      return u.toString();
    },
    requests: () => requests,
    openSockets: () => sockets.size,
    bytesSent: () => sent,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
