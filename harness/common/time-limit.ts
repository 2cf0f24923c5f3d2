// Waiting for work within a time limit, for the ways out that must end even when Docker hangs.

/** True when `work` settles within `ms`; false when the limit comes first (the work goes on, unawaited). Rejects as `work` does. */
export async function withinTimeLimit(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  try {
    return await Promise.race([work.then(() => true as const), limit]);
  } finally {
    clearTimeout(timer);
  }
}
