/**
 * Every test file runs under the product's process guard (src/process-guard.ts): an unhandled rejection or an
 * uncaught exception anywhere in the file (our code, a fake, a test) is logged with the file's name and fails
 * the file, however the tests themselves went.
 */
import { afterAll, expect } from 'vitest';
import { pino } from 'pino';
import { installProcessGuard } from '../../src/process-guard.js';

const guard = installProcessGuard(pino({ level: 'error' }, pino.destination(2)), { suite: 'vitest', file: process.env.VITEST_POOL_ID ?? '' });

afterAll(() => {
  expect(guard.events.map((e) => `${e.kind}: ${e.message}`), 'the process guard fired in this file (an unhandled rejection or uncaught exception)').toEqual([]);
});
