/**
 * The one HTTP server (PORT): health and readiness, platform webhooks (Telegram, Slack) and admin pages.
 * Parts mount themselves on `app` before `start()`; readiness checks are registered by the parts that own
 * a dependency (database, queue).
 *
 * Whatever goes wrong in any route is answered by one error handler, last on the stack whenever a part
 * mounts itself: JSON `{ error, id }` with a short code and an id that is also in the log, never a stack or
 * a path, whatever NODE_ENV says. Request headers must arrive within HEADERS_TIMEOUT_MS and the whole request
 * within REQUEST_TIMEOUT_MS (a slow body is cut, not kept open for Node's default 300 s).
 */
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { createServer, STATUS_CODES, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpHandler, HttpRoutes } from '../contract/index.js';
import { randomErrorId } from '../engine/tokens.js';
import type { Logger } from '../logger.js';

/** The whole request (headers and body) must arrive within this; Telegram and Slack send theirs at once. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** The request headers must arrive within this. */
export const HEADERS_TIMEOUT_MS = 15_000;

/** Rejects when not ready (the reason is shown); may resolve with a note shown instead of `ok` (still ready). */
export type ReadinessCheck = () => Promise<void | string>;

/** The app's server; adapters see it only as `HttpRoutes` (mounting their webhooks). */
export interface HttpServer extends HttpRoutes {
  /** The express app; parts add routes with `mount` (routes added here directly would come after the 404 handler). */
  app: Express;
  addReadinessCheck(name: string, check: ReadinessCheck): void;
  start(): Promise<number>;
  stop(): Promise<void>;
}

export interface HttpServerOptions {
  port: number;
  host?: string;
  /** Logs the errors the error handler answers (with their id). */
  logger?: Logger;
  /** Tests shorten these; defaults REQUEST_TIMEOUT_MS and HEADERS_TIMEOUT_MS. */
  requestTimeoutMs?: number;
  headersTimeoutMs?: number;
}

/** `payload_too_large` for 413: the status's standard reason as a short code. */
function errorCode(status: number): string {
  return (STATUS_CODES[status] ?? 'error').toLowerCase().replace(/[^a-z]+/g, '_').replace(/^_|_$/g, '');
}

export function createHttpServer(opts: HttpServerOptions): HttpServer {
  const app = express();
  app.disable('x-powered-by');
  // Express's own fallback pages never show a stack, whatever NODE_ENV says (the handler below answers first).
  app.set('env', 'production');
  // Every part's routes go here, so the not-found and error handlers below stay last whenever a part mounts.
  const routes = express.Router();
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
        results[name] = (await check()) ?? 'ok';
      } catch (err) {
        ok = false;
        results[name] = err instanceof Error ? err.message : String(err);
      }
    }
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', checks: results });
  });
  app.use(routes);
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'not_found', id: randomErrorId() });
  });
  // Four arguments: this is Express's error handler for every route above.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const given = (err as { status?: unknown; statusCode?: unknown } | null)?.status ?? (err as { statusCode?: unknown } | null)?.statusCode;
    const status = typeof given === 'number' && given >= 400 && given < 600 ? given : 500;
    const id = randomErrorId();
    const where = { id, status, method: req.method, path: req.path };
    if (status >= 500) opts.logger?.error({ err, ...where }, 'http: request failed');
    else opts.logger?.info({ ...where, type: (err as { type?: unknown } | null)?.type }, 'http: request refused');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(status).json({ error: errorCode(status), id });
  });

  return {
    app,
    mount(handler: HttpHandler) {
      routes.use(handler as RequestHandler);
    },
    addReadinessCheck(name, check) {
      checks.set(name, check);
    },
    start() {
      return new Promise((resolve, reject) => {
        const requestTimeout = opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
        server = createServer(
          {
            requestTimeout,
            headersTimeout: Math.min(opts.headersTimeoutMs ?? HEADERS_TIMEOUT_MS, requestTimeout),
            // How often Node checks those timeouts (default 30 s, which would let a slow body live 60 s).
            connectionsCheckingInterval: Math.min(1000, requestTimeout),
          },
          app,
        );
        server.once('error', reject);
        server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve((server!.address() as AddressInfo).port));
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
