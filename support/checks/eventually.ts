// "within N seconds" and "eventually" are properties of a check, not sleeps: run the check until
// it passes or the time is up, then report its last failure.
export async function eventually(check: () => void, withinMs: number, pollMs = 25): Promise<void> {
  const end = Date.now() + withinMs;
  for (;;) {
    try { check(); return; } catch (err) {
      if (Date.now() >= end) {
        (err as Error).message = `Within ${withinMs} ms: ${(err as Error).message}`;
        throw err;
      }
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** "never": the check must keep passing for the whole window */
export async function throughout(check: () => void, forMs: number, pollMs = 50): Promise<void> {
  const end = Date.now() + forMs;
  for (;;) {
    check();
    if (Date.now() >= end) return;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
