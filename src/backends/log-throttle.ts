/**
 * @module log-throttle: lets the first few of a stream of similar events through each window and counts the rest,
 * reporting them once when the window ends ("N more … in the last second"). A backend printing megabytes of
 * non-protocol lines would otherwise write one log line per line it printed.
 */

export interface ThrottleOptions {
  /** Events let through as they are in each window. */
  perWindow: number;
  windowMs: number;
  emit(text: string): void;
  /** The line that reports the events held back in one window. */
  summary(skipped: number): string;
  now?: () => number;
}

export interface Throttle {
  take(text: string): void;
  /** Reports what is held back now (the source ended) and stops the timer. */
  flush(): void;
}

export function createThrottle(options: ThrottleOptions): Throttle {
  const now = options.now ?? Date.now;
  let windowStart = -Infinity;
  let passed = 0;
  let skipped = 0;
  let timer: NodeJS.Timeout | undefined;

  function report(): void {
    clearTimeout(timer);
    timer = undefined;
    if (skipped > 0) options.emit(options.summary(skipped));
    skipped = 0;
  }

  return {
    take(text) {
      const t = now();
      if (t - windowStart >= options.windowMs) {
        report();
        windowStart = t;
        passed = 0;
      }
      if (passed < options.perWindow) {
        passed++;
        options.emit(text);
        return;
      }
      skipped++;
      // The count is reported when the window ends even if nothing more arrives.
      timer ??= setTimeout(report, options.windowMs - (t - windowStart)).unref();
    },
    flush: report,
  };
}
