/**
 * Runs `task` every `intervalMs` (the first run after one interval), never overlapping the
 * previous run; the timer does not keep the process alive. A failure is passed to `onError`
 * unless the runner was stopped meanwhile. Returns a function that stops it.
 *
 * @param intervalMs - time between runs
 * @param task - one run of a sweep
 * @param onError - where a failed run is reported
 */
export function runPeriodically(intervalMs: number, task: () => Promise<void>, onError: (error: unknown) => void): () => void {
  let stopped = false;
  let running = false;
  const timer = setInterval(() => {
    if (stopped || running) return;
    running = true;
    task()
      .catch((error: unknown) => {
        if (!stopped) onError(error);
      })
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
