import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type AppDeps } from './app.js';

export interface RunningServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Starts the HTTP server; port 0 picks a free one (tests). */
export async function startServer(deps: AppDeps, port: number, host = '0.0.0.0'): Promise<RunningServer> {
  const app = createApp(deps);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  // Entra and load balancers keep connections open; outlast common 60 s idle timeouts.
  server.keepAliveTimeout = 65_000;
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}`,
    server,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
