// Waiting in wall time, for the tests and scripts that drive real processes.

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls a cheap in-process condition (simulator state) every millisecond. */
export async function until(cond: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

/** Polls a condition that has to ask something (the apiserver, Azure) every `intervalMs`. */
export async function eventually(
  cond: () => Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
  intervalMs = 200,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}
