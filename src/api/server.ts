import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type AppDeps } from './app.js';
import { ShapedRequest, ShapedResponse } from './shaped-messages.js';

export interface RunningServer {
  url: string;
  server: Server<typeof ShapedRequest, typeof ShapedResponse>;
  close(): Promise<void>;
}

/** Starts the HTTP server; port 0 picks a free one (tests). */
export async function startServer(deps: AppDeps, port: number, host = '0.0.0.0'): Promise<RunningServer> {
  const app = createApp(deps);
  const server = createServer({ IncomingMessage: ShapedRequest, ServerResponse: ShapedResponse }, app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject).listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
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
