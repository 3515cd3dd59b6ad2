/**
 * The one HTTP server (PORT): health and readiness, platform webhooks (Telegram, Slack) and admin pages.
 * Parts mount themselves on `app` before `start()`; readiness checks are registered by the parts that own
 * a dependency (database, queue).
 */
import express, { type Express, type RequestHandler } from 'express';
import type { HttpHandler, HttpRoutes } from '../contract/index.js';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReadinessCheck = () => Promise<void>;

/** The app's server; adapters see it only as `HttpRoutes` (mounting their webhooks). */
export interface HttpServer extends HttpRoutes {
  app: Express;
  addReadinessCheck(name: string, check: ReadinessCheck): void;
  start(): Promise<number>;
  stop(): Promise<void>;
}

export function createHttpServer(opts: { port: number; host?: string }): HttpServer {
  const app = express();
  app.disable('x-powered-by');
  const checks = new Map<string, ReadinessCheck>();
  let server: Server | undefined;

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const results: Record<string, string> = {};
    let ok = true;
    for (const [name, check] of checks) {
      try {
        await check();
        results[name] = 'ok';
      } catch (err) {
        ok = false;
        results[name] = err instanceof Error ? err.message : String(err);
      }
    }
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', checks: results });
  });

  return {
    app,
    mount(handler: HttpHandler) {
      app.use(handler as RequestHandler);
    },
    addReadinessCheck(name, check) {
      checks.set(name, check);
    },
    start() {
      return new Promise((resolve, reject) => {
        server = app.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve((server!.address() as AddressInfo).port));
        server.once('error', reject);
      });
    },
    stop() {
      return new Promise((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        server.closeAllConnections?.();
      });
    },
  };
}
