/**
 * Admin pages on the one HTTP server: bull-board at `/admin/queues` behind basic auth (ADMIN_USER and
 * ADMIN_PASSWORD; without both the pages are not mounted at all), and the queue backend's readiness check
 * for `/readyz`.
 */
import { timingSafeEqual } from 'node:crypto';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { HttpServer } from './server.js';
import type { Config } from '../config.js';
import type { Queues } from '../jobs/worker-role.js';

/** Where bull-board is mounted. */
export const ADMIN_QUEUES_PATH = '/admin/queues';

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Express middleware: HTTP basic auth against one user and password, compared in constant time. */
export function basicAuth(user: string, password: string, realm = 'kinerja admin') {
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.headers.authorization ?? '';
    const [scheme, encoded] = header.split(' ');
    if (scheme === 'Basic' && encoded) {
      const decoded = Buffer.from(encoded, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i > 0 && same(decoded.slice(0, i), user) && same(decoded.slice(i + 1), password)) return next();
    }
    res.setHeader('WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`);
    res.status(401).send('Authentication required: use ADMIN_USER and ADMIN_PASSWORD.');
  };
}

/**
 * Mounts bull-board for every queue when ADMIN_USER and ADMIN_PASSWORD are set, and registers the `queues`
 * readiness check either way. Returns whether the admin pages are on.
 */
export function mountQueueAdmin(http: HttpServer, queues: Queues, config: Pick<Config, 'ADMIN_USER' | 'ADMIN_PASSWORD'>): boolean {
  http.addReadinessCheck('queues', () => queues.backend.ping());
  if (!config.ADMIN_USER || !config.ADMIN_PASSWORD) return false;
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(ADMIN_QUEUES_PATH);
  createBullBoard({
    // bull-board's adapter is typed for the Redis-backed Queue; the queues are the same class on either backend.
    queues: queues.all().map((q) => new BullMQAdapter(q as unknown as Queue)),
    // @bull-board/express 9.10.1 carries its own copy of @bull-board/api 9.10.1, whose private members make
    // the types differ from the 9.10.2 installed at the top; the runtime contract is the same.
    serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
  });
  http.mount(Router().use(ADMIN_QUEUES_PATH, basicAuth(config.ADMIN_USER, config.ADMIN_PASSWORD), serverAdapter.getRouter()));
  return true;
}
