/**
 * @module embeddings-client: asks an OpenAI-compatible `/v1/embeddings` endpoint for the vectors of some texts.
 * Expected failures (down, slow past the timeout, an error status, an answer of another shape) are results, never
 * throws: search falls back to its lexical ranking on any of them. Vectors come back scaled to unit length, so that
 * a dot product is their cosine.
 */
import type { EmbeddingsConfig } from '../config/index.js';
import { errorMessage } from '../errors.js';

export type EmbedOutcome = { ok: true; vectors: Float32Array[] } | { ok: false; message: string };

export interface Embedder {
  embed(texts: readonly string[], timeoutMs: number): Promise<EmbedOutcome>;
}

export function createEmbeddingsClient(config: EmbeddingsConfig): Embedder {
  // The endpoint itself, or the API's base URL (what OpenAI clients call base_url).
  const url = /\/embeddings\/?$/.test(new URL(config.url).pathname)
    ? config.url
    : `${config.url.replace(/\/+$/, '')}/embeddings`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (config.api_key !== undefined) headers.authorization = `Bearer ${config.api_key}`;

  return {
    async embed(texts, timeoutMs) {
      let body: unknown;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers,
          body: JSON.stringify({ model: config.model, input: texts }),
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (!response.ok) {
          await response.body?.cancel();
          return { ok: false, message: `the embeddings endpoint answered HTTP ${response.status}` };
        }
        body = await response.json();
      } catch (error) {
        const timedOut = error instanceof Error && error.name === 'TimeoutError';
        return {
          ok: false,
          message: timedOut
            ? `the embeddings endpoint did not answer within ${timeoutMs} ms`
            : `the embeddings endpoint cannot be reached: ${errorMessage(error)}`,
        };
      }
      const vectors = readVectors(body, texts.length);
      return vectors
        ? { ok: true, vectors }
        : { ok: false, message: 'the embeddings endpoint answered in an unexpected shape' };
    },
  };
}

/** `{ data: [{ index, embedding: number[] }] }`, in input order, one per text, all of one length. */
function readVectors(body: unknown, count: number): Float32Array[] | undefined {
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || data.length !== count) return undefined;
  const vectors: Float32Array[] = new Array<Float32Array>(count);
  for (const [position, item] of data.entries()) {
    const { index, embedding } = (item ?? {}) as { index?: unknown; embedding?: unknown };
    const at = typeof index === 'number' ? index : position;
    if (!Array.isArray(embedding) || embedding.length === 0 || at < 0 || at >= count) return undefined;
    if (!embedding.every((v) => typeof v === 'number' && Number.isFinite(v))) return undefined;
    vectors[at] = unit(Float32Array.from(embedding as number[]));
  }
  const dims = vectors[0]?.length;
  return vectors.every((v) => v !== undefined && v.length === dims) ? vectors : undefined;
}

function unit(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const v of vector) norm += v * v;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i]! /= norm;
  return vector;
}
