/**
 * @module hits: what the free-text and regex searches share: a tool's display title, and the hits they return,
 * scored, ordered deterministically (score, then server, then tool name, in code-unit order) and kept to the top k.
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { IndexedTool, SearchHit } from './search-types.js';

/** The display title: `title`, or the older `annotations.title` that many servers still set instead. */
export function titleOf(tool: Tool): string | undefined {
  return tool.title ?? tool.annotations?.title;
}

export function toHit(entry: IndexedTool, score: number): SearchHit {
  return { server: entry.server, tool: entry.tool.name, score, entry };
}

// Rounding makes ties real ties: the same tool text under two server names must not order by float noise.
export function roundScore(score: number): number {
  return Math.round(score * 1e6) / 1e6;
}

/** Keeps `top` sorted by {@link compareHits} and at most `limit` long. */
export function insertTop(top: SearchHit[], hit: SearchHit, limit: number): void {
  if (top.length === limit && compareHits(hit, top[limit - 1]!) >= 0) return;
  let i = top.length;
  while (i > 0 && compareHits(hit, top[i - 1]!) < 0) i--;
  top.splice(i, 0, hit);
  if (top.length > limit) top.pop();
}

function compareHits(a: SearchHit, b: SearchHit): number {
  return b.score - a.score || compareStrings(a.server, b.server) || compareStrings(a.tool, b.tool);
}

// Code-unit order, not localeCompare: the order must not depend on the machine's locale.
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
