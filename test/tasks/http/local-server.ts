// A throwaway HTTP server on 127.0.0.1 for client and task tests: routes by path, counts requests
// and the most requests in flight at once, and closes every socket on close().
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

export type Route = (request: http.IncomingMessage, response: http.ServerResponse) => unknown;

export interface LocalServer {
  origin: string;
  port: number;
  url(path: string): string;
  route(path: string, handler: Route): void;
  /** requests received per path */
  hits: Map<string, number>;
  totalHits(): number;
  /** TCP connections accepted */
  connections(): number;
  maxInFlight(): number;
  close(): Promise<void>;
}

export async function startLocalServer(routes: Record<string, Route> = {}, host = '127.0.0.1'): Promise<LocalServer> {
  const table = new Map(Object.entries(routes));
  const hits = new Map<string, number>();
  const sockets = new Set<Duplex>();
  let inFlight = 0;
  let maxInFlight = 0;
  let connections = 0;
  const server = http.createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let counted = true;
    const done = () => {
      if (counted) inFlight--;
      counted = false;
    };
    response.on('close', done);
    const handler = table.get(path);
    try {
      if (handler) await handler(request, response);
      else response.writeHead(404).end('not found');
    } catch {
      response.destroy();
    }
  });
  server.on('connection', (socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    origin,
    port,
    url: (path) => origin + path,
    route: (path, handler) => void table.set(path, handler),
    hits,
    totalHits: () => [...hits.values()].reduce((a, b) => a + b, 0),
    connections: () => connections,
    maxInFlight: () => maxInFlight,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A route that never answers (headers never sent) until the socket closes. */
export const neverAnswer: Route = () => new Promise(() => {});

/** A route that sends headers, then a byte every `everyMs` forever. */
export function trickle(everyMs: number): Route {
  return (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' });
    const timer = setInterval(() => response.write('x'), everyMs);
    response.on('close', () => clearInterval(timer));
  };
}

/** A route that streams `chunkBytes` chunks as fast as the socket takes them, forever. */
export function endless(chunkBytes = 64 * 1024): Route {
  const chunk = Buffer.alloc(chunkBytes, 0x61);
  return (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/octet-stream' });
    const pump = () => {
      while (!response.destroyed && response.write(chunk));
      if (!response.destroyed) response.once('drain', pump);
    };
    pump();
  };
}
