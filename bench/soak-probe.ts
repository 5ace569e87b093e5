// Loaded into the soak's responder (`node --expose-gc --import <this> ocsplab ocsp ...`, see
// soak.ts): on the soak's IPC request it runs a full garbage collection and answers with
// process.memoryUsage(), so the soak compares live memory, not what the collector has yet to free.
// Nothing else in the responder changes; without --expose-gc it answers with gc: false.

interface MemoryRequest {
  t: 'soak-memory';
  id: number;
}

export interface MemoryReply {
  t: 'soak-memory';
  id: number;
  /** Whether a full GC ran before the figures were taken. */
  gc: boolean;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

if (process.send) {
  process.on('message', (m: MemoryRequest) => {
    if (m?.t !== 'soak-memory') return;
    // Twice: the first collection can leave objects that only its finalizers let go of.
    gc?.();
    gc?.();
    const u = process.memoryUsage();
    const reply: MemoryReply = { t: 'soak-memory', id: m.id, gc: gc !== undefined, rss: u.rss, heapUsed: u.heapUsed, heapTotal: u.heapTotal, external: u.external, arrayBuffers: u.arrayBuffers };
    process.send!(reply);
  });
  // The channel must not keep the responder alive once it is told to stop.
  process.channel?.unref();
}
