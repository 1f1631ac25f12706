/**
 * @module clip: text cut to a length for messages and logs, marked where it was cut.
 */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
