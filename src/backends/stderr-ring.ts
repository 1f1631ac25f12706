/**
 * @module stderr-ring: keeps the last lines a backend wrote to stderr, bounded in lines and line length, so that a
 * start failure or a crash can be explained without holding an unbounded log in memory.
 */
import { clip } from '../clip.js';

export interface StderrRing {
  /** Feed a chunk as it arrives; returns the complete lines it finished (for logging). */
  push(chunk: Buffer | string): string[];
  /** The retained lines, oldest first (a trailing partial line included). */
  lines(): string[];
}

export function createStderrRing(maxLines = 50, maxLineLength = 2_000): StderrRing {
  const kept: string[] = [];
  let partial = '';

  const keep = (line: string): string => {
    const clipped = clip(line, maxLineLength);
    kept.push(clipped);
    if (kept.length > maxLines) kept.shift();
    return clipped;
  };

  return {
    push(chunk) {
      const parts = (partial + chunk.toString()).split('\n');
      // The last part has no newline yet; cap it so a backend printing one endless line stays bounded.
      partial = (parts.pop() ?? '').slice(0, maxLineLength + 1);
      return parts.map((line) => keep(line.replace(/\r$/, '')));
    },
    lines() {
      return partial ? [...kept, partial.slice(0, maxLineLength)] : [...kept];
    },
  };
}
