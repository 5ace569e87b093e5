// The one bounded wait of the tests: poll a condition until it holds or a generous deadline
// passes. The deadline is there to end a hung test, not to measure anything: on a busy 2-core CI
// machine a start or a pass can take many times what it takes here, and a test asserts the
// outcome after the wait, not how long it took.
export const WAIT_MS = 60_000;

/** Polls `cond` every `every` ms until it is true (returns true) or `ms` have passed (false). */
export async function waitUntil(cond: () => boolean | Promise<boolean>, o: { ms?: number; every?: number } = {}): Promise<boolean> {
  const end = Date.now() + (o.ms ?? WAIT_MS);
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, o.every ?? 50));
  }
  return false;
}
