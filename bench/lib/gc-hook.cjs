// Preloaded into the benchmarked `npm start` process (node --expose-gc --require ...): on SIGUSR2 it
// runs a full garbage collection and says so on stderr, so resident memory can be read at the same
// point of the GC cycle before and after the load (otherwise it swings by tens of MB with V8's
// lazy old-space collection). Nothing else about the server changes.
process.on("SIGUSR2", () => {
  globalThis.gc();
  globalThis.gc();
  process.stderr.write("BENCH_GC_DONE\n");
});
