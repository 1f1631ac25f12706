/**
 * @module doctor/format: the doctor's rows as a plain-text table: aligned columns, the long ones (detail, fix)
 * word-wrapped within their width so that a row never pushes the fix off the screen.
 */
import type { DoctorRow } from './rows.js';

const COLUMNS = ['backend', 'transport', 'check', 'status', 'detail', 'fix'] as const;
type Column = (typeof COLUMNS)[number];

/** Widest a wrapped column gets; a single longer word (a path) still stays whole. */
const MAX_WIDTH: Partial<Record<Column, number>> = { detail: 50, fix: 60 };

export function formatTable(rows: readonly DoctorRow[]): string {
  const header = Object.fromEntries(COLUMNS.map((c) => [c, c.toUpperCase()])) as Record<Column, string>;
  const cells = [header, ...rows].map((r) =>
    COLUMNS.map((c) => wrap(oneLine(r[c]), MAX_WIDTH[c] ?? Number.POSITIVE_INFINITY)),
  );
  const widths = COLUMNS.map((_, i) =>
    Math.max(...cells.flatMap((row) => row[i]!.map((line) => line.length))),
  );
  const out: string[] = [];
  for (const row of cells) {
    const height = Math.max(...row.map((lines) => lines.length));
    for (let line = 0; line < height; line++) {
      out.push(
        row
          .map((lines, i) => (lines[line] ?? '').padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      );
    }
  }
  return out.join('\n');
}

/** A stray newline (from a backend's stderr) would break the columns. */
function oneLine(value: string): string {
  return value.replace(/\s*\n\s*/g, ' | ');
}

function wrap(text: string, width: number): string[] {
  if (text.length <= width) return [text];
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(' ')) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  if (current) lines.push(current);
  return lines;
}
