/**
 * Memory for batch imports. An import keeps compact row data until it writes (all or nothing), and V8 by
 * default lets the old generation grow to about three times what is alive before collecting it: a
 * 200,000-row file then peaks above 400 MB RSS although 50 MB are live. The `kinerja` import commands are
 * short-lived processes, so they trade a little GC time for a heap kept close to its live size.
 */
import v8 from 'node:v8';

/** Heap growth allowed after each full collection, in percent of what survived it (V8's default is dynamic, up to 300). */
const IMPORT_HEAP_GROWING_PERCENT = 30;

/** Call once in a process that does nothing but an import (the CLI commands, the benchmark). */
export function keepHeapTightForImport(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${IMPORT_HEAP_GROWING_PERCENT}`);
}
