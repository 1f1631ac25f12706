/**
 * @module deadline: a promise given a time limit. Its timer is cleared however the race ends, so that nothing keeps
 * the process alive or fires late.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, expired: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(expired()), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
