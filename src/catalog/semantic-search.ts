/**
 * @module semantic-search: the optional semantic ranking (`search.embeddings`), fused with the lexical one. Each
 * tool's vector is computed once per definition (tool-vectors.ts), in the background after the catalog changes; the
 * query is embedded at search time (a few recent ones kept), its nearest tools ranked by cosine, and that ranking
 * fused with the lexical one by reciprocal rank fusion: a tool both rankings place high comes first, one that only
 * one of them finds still appears. When the endpoint is down, slow or answers nonsense, search answers with the
 * lexical ranking and a warning, never an error; after a failure the endpoint is left alone for a while, so that
 * searches do not each wait for it.
 */
import type { Logger } from '../log.js';
import type { Catalog } from './catalog.js';
import type { Embedder } from './embeddings-client.js';
import { compareStrings } from './hits.js';
import { DEFAULT_LIMIT, MAX_LIMIT } from './search-index.js';
import type { IndexedTool, SearchHit, SearchOptions, SearchResult } from './search-types.js';
import type { ToolVectors } from './tool-vectors.js';

export interface SemanticSearchOptions {
  catalog: Catalog;
  embedder: Embedder;
  vectors: ToolVectors;
  log: Logger;
  /** How long a search waits for its query's vector before it answers lexically. */
  queryTimeoutMs?: number;
  /** How long one batch of tools may take to embed. */
  batchTimeoutMs?: number;
  /** After a failure, how long searches answer lexically without asking the endpoint. */
  cooldownMs?: number;
}

export interface SemanticAnswer {
  result: SearchResult;
  /** Set when the answer is the lexical ranking alone because the semantic one is unavailable. */
  warning?: string;
}

/** Short enough that a search with the endpoint gone still answers at once, long enough for a remote API. */
const QUERY_TIMEOUT_MS = 2_000;
const BATCH_TIMEOUT_MS = 30_000;
const COOLDOWN_MS = 10_000;
/** Texts per embeddings request: well under what common endpoints accept (OpenAI: 2048). */
const BATCH_SIZE = 64;
/** The conventional constant of reciprocal rank fusion: damps the weight of the very first ranks. */
const RRF_K = 60;
/** How many candidates each ranking contributes to the fusion. */
const CANDIDATES = MAX_LIMIT;
/**
 * A tool less similar to the query than this is no semantic candidate: without a floor, every query would get the
 * nearest tools however unrelated, and "nothing matched" (with its hint) would never be answered.
 */
const MIN_SIMILARITY = 0.25;
const QUERY_CACHE_SIZE = 256;

export class SemanticSearch {
  private filling: Promise<void> | undefined;
  private refill = false;
  private downUntil = 0;
  private lastFailure: string | undefined;
  private readonly queries = new Map<string, Float32Array>();

  constructor(private readonly options: SemanticSearchOptions) {}

  /** Loads the kept vectors, embeds the tools that have none, and follows the catalog's changes. */
  start(): void {
    this.options.vectors.load();
    this.options.catalog.onChange(() => void this.fill());
    void this.fill();
  }

  /** Resolves once the tools known now have vectors, or the endpoint failed (tests and the bench wait for it). */
  async fill(): Promise<void> {
    if (this.filling) {
      this.refill = true;
      return this.filling;
    }
    this.filling = this.fillMissing().finally(() => (this.filling = undefined));
    await this.filling;
    if (this.refill) {
      this.refill = false;
      await this.fill();
    }
  }

  flush(): Promise<void> {
    return this.options.vectors.flush();
  }

  async search(query: string, options: SearchOptions): Promise<SemanticAnswer> {
    const limit = options.limit;
    const lexical = this.options.catalog
      .searchIndex()
      .search(query, { ...options, regex: false, limit: CANDIDATES });
    if (!lexical.ok) return { result: lexical };
    const lexicalOnly = (warning: string): SemanticAnswer => ({
      result: { ...lexical, hits: lexical.hits.slice(0, clamp(limit)) },
      warning,
    });
    if (Date.now() < this.downUntil) return lexicalOnly(this.warning());
    const vector = await this.queryVector(query);
    if (!vector) return lexicalOnly(this.warning());
    if (this.missingHashes().length > 0) void this.fill();
    const semantic = this.nearest(vector, options.server);
    const hits = fuse(lexical.hits, semantic, clamp(limit));
    if (hits.length === 0) return { result: lexical };
    return { result: { ok: true, hits } };
  }

  private warning(): string {
    return `semantic ranking unavailable (${this.lastFailure ?? 'the embeddings endpoint failed'}); these are the lexical results`;
  }

  private async queryVector(query: string): Promise<Float32Array | undefined> {
    const key = query.trim().toLowerCase();
    const cached = this.queries.get(key);
    if (cached) return cached;
    const outcome = await this.options.embedder.embed(
      [query],
      this.options.queryTimeoutMs ?? QUERY_TIMEOUT_MS,
    );
    if (!outcome.ok) {
      this.failed(outcome.message);
      return undefined;
    }
    this.recovered();
    const vector = outcome.vectors[0]!;
    if (this.queries.size >= QUERY_CACHE_SIZE) this.queries.delete(this.queries.keys().next().value!);
    this.queries.set(key, vector);
    return vector;
  }

  /** The tools most similar to the query, best first, those under the floor left out. */
  private nearest(query: Float32Array, server: string | undefined): IndexedTool[] {
    const scored: Array<{ entry: IndexedTool; similarity: number }> = [];
    const { catalog, vectors } = this.options;
    for (const [name, entry] of catalog.allEntries()) {
      if (server !== undefined && name !== server) continue;
      for (const { tool, hash } of entry.tools) {
        const vector = vectors.get(hash);
        if (!vector || vector.length !== query.length) continue;
        let similarity = 0;
        for (let i = 0; i < query.length; i++) similarity += query[i]! * vector[i]!;
        if (similarity >= MIN_SIMILARITY)
          scored.push({
            entry: { server: name, serverDescription: catalog.description(name), tool },
            similarity,
          });
      }
    }
    scored.sort(
      (a, b) =>
        b.similarity - a.similarity ||
        compareStrings(a.entry.server, b.entry.server) ||
        compareStrings(a.entry.tool.name, b.entry.tool.name),
    );
    return scored.slice(0, CANDIDATES).map((s) => s.entry);
  }

  private missingHashes(): string[] {
    const missing = new Set<string>();
    for (const entry of this.options.catalog.allEntries().values())
      for (const { hash } of entry.tools) if (!this.options.vectors.has(hash)) missing.add(hash);
    return [...missing];
  }

  private async fillMissing(): Promise<void> {
    if (Date.now() < this.downUntil) return;
    const texts = new Map<string, string>();
    const live = new Set<string>();
    for (const entry of this.options.catalog.allEntries().values()) {
      for (const { tool, hash } of entry.tools) {
        live.add(hash);
        if (!this.options.vectors.has(hash) && !texts.has(hash)) texts.set(hash, toolText(tool));
      }
    }
    const pending = [...texts];
    for (let at = 0; at < pending.length; at += BATCH_SIZE) {
      const batch = pending.slice(at, at + BATCH_SIZE);
      const outcome = await this.options.embedder.embed(
        batch.map(([, text]) => text),
        this.options.batchTimeoutMs ?? BATCH_TIMEOUT_MS,
      );
      if (!outcome.ok) {
        this.failed(outcome.message);
        return;
      }
      this.recovered();
      this.options.vectors.add(
        batch.map(([hash], i) => [hash, outcome.vectors[i]!] as const),
        at + BATCH_SIZE >= pending.length ? live : undefined,
      );
    }
    if (pending.length > 0) this.options.log.info({ tools: pending.length }, 'tool vectors computed');
  }

  private failed(message: string): void {
    // One line when the endpoint goes away, not one per search.
    if (this.lastFailure === undefined)
      this.options.log.warn({ err: message }, 'semantic ranking unavailable');
    this.lastFailure = message;
    this.downUntil = Date.now() + (this.options.cooldownMs ?? COOLDOWN_MS);
  }

  private recovered(): void {
    if (this.lastFailure !== undefined) this.options.log.info('semantic ranking available again');
    this.lastFailure = undefined;
    this.downUntil = 0;
  }
}

/** What a tool is embedded as: its words, with identifiers split (`create_issue` → `create issue`). */
export function toolText(tool: IndexedTool['tool']): string {
  const words = (s: string) => s.replace(/[_\-./]+/g, ' ');
  const params = Object.keys((tool.inputSchema as { properties?: object } | undefined)?.properties ?? {});
  return [words(tool.name), tool.title ?? '', tool.description ?? '', params.map(words).join(' ')]
    .filter((part) => part !== '')
    .join('. ');
}

/** Reciprocal rank fusion of the two rankings; ties fall back to server, then tool name (deterministic). */
function fuse(lexical: readonly SearchHit[], semantic: readonly IndexedTool[], limit: number): SearchHit[] {
  const fused = new Map<string, { entry: IndexedTool; score: number }>();
  const add = (entry: IndexedTool, rank: number) => {
    const key = `${entry.server}\0${entry.tool.name}`;
    const current = fused.get(key) ?? { entry, score: 0 };
    current.score += 1 / (RRF_K + rank + 1);
    fused.set(key, current);
  };
  lexical.forEach((hit, rank) => add(hit.entry, rank));
  semantic.forEach((entry, rank) => add(entry, rank));
  return [...fused.values()]
    .sort(
      (a, b) =>
        b.score - a.score ||
        compareStrings(a.entry.server, b.entry.server) ||
        compareStrings(a.entry.tool.name, b.entry.tool.name),
    )
    .slice(0, limit)
    .map(({ entry, score }) => ({
      server: entry.server,
      tool: entry.tool.name,
      score: Math.round(score * 1e6) / 1e6,
      entry,
    }));
}

function clamp(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIMIT;
  return Math.min(MAX_LIMIT, Math.max(1, Math.floor(limit)));
}
