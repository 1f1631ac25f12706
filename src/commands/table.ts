/** @module commands/table: rows as aligned plain-text columns, a header first, for people (scripts use --json). */

/** A cell longer than `max` is cut with an ellipsis; a line break would break the columns, so it becomes " | ". */
export function cell(value: string, max = 60): string {
  const line = value.replace(/\s*\n\s*/g, ' | ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export function formatColumns(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all
    .map((row) =>
      row
        .map((value, i) => value.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
