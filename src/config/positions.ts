/** @module config/positions — maps a path in the parsed config back to a 1-based line:col in the YAML text. */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { PathSegment } from './env.js';

export type Anchor = 'key' | 'value';

export interface Position {
  line: number;
  col: number;
}

/**
 * Returns a function that finds the node for a path and gives its start. `key` asks for the key of
 * the last segment; `value` for its value, except that an empty value (`port:`) has no text of its
 * own, so its key is used. A path that leaves the document (a key that is missing, or that came in
 * through a `<<` merge) falls back to the deepest node found: for a missing key that is the
 * parent's key, which is where the user has to add it.
 */
export function createPositionFinder(doc: Document, lineCounter: LineCounter) {
  function startOf(node: Node | null | undefined): Position {
    const offset = node?.range?.[0];
    return offset === undefined ? { line: 1, col: 1 } : lineCounter.linePos(offset);
  }

  return function positionOf(path: readonly PathSegment[], at: Anchor): Position {
    let node: Node | null | undefined = doc.contents;
    let key: Node | null | undefined;
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) return startOf(key ?? node);
        key = pair.key as Node;
        node = pair.value as Node | null;
      } else if (isSeq(node) && typeof segment === 'number' && node.items[segment]) {
        node = node.items[segment] as Node;
        key = node;
      } else {
        return startOf(key ?? node);
      }
    }
    if (at === 'key') return startOf(key ?? node);
    const empty = node == null || (isScalar(node) && node.value === null && !node.source);
    return startOf(empty ? (key ?? node) : node);
  };
}
