/**
 * Memory for batch commands (imports and exports). V8 by default lets the old generation grow to about
 * three times what survived the last full collection before collecting again: a 200,000-row import then
 * peaks above 400 MB RSS although 50 MB are live, and a 100,000-row export above 380 MB with less than
 * 100 MB live. The `kinerja` import and export commands are short-lived processes that do one batch, so they
 * trade a little GC time (measured: about 10-25 % more CPU) for a heap kept close to its live size.
 */
import v8 from 'node:v8';

/** Heap growth allowed after each full collection, in percent of what survived it (V8's default is dynamic, up to 300). */
const BATCH_HEAP_GROWING_PERCENT = 30;

/**
 * Call once in a process that does nothing but one batch (the CLI's import and export commands, the
 * benchmarks' child processes); never in the bot or the workers, whose throughput matters more.
 */
export function keepHeapTightForBatch(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${BATCH_HEAP_GROWING_PERCENT}`);
}
