/**
 * Preloaded into a measured server by bench/connections.ts (`node --expose-gc --import ...`):
 * SIGUSR2 runs a full garbage collection, so memory is read without garbage that V8 had not yet
 * found time to collect. Benchmark tooling only; Parley itself never loads this.
 */
process.on("SIGUSR2", () => {
  (globalThis as { gc?: () => void }).gc?.();
});
