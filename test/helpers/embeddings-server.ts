/**
 * @module embeddings-server helper: an OpenAI-compatible `/v1/embeddings` endpoint on 127.0.0.1, deterministic: a
 * text's vector is its bag of words, each word (after a small table of synonyms) hashed into one of 64 dimensions.
 * It records what it was asked, can be made slow, and can be closed (an endpoint that went away).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const DIMENSIONS = 64;

export interface EmbeddingsServer {
  url: string;
  /** Every text it embedded, in order. */
  inputs: string[];
  /** The Authorization headers it received. */
  authorizations: Array<string | undefined>;
  /** Milliseconds each answer waits. */
  delayMs: number;
  close(): Promise<void>;
}

export async function startEmbeddingsServer(
  synonyms: Record<string, string> = {},
): Promise<EmbeddingsServer> {
  const state: EmbeddingsServer = {
    url: '',
    inputs: [],
    authorizations: [],
    delayMs: 0,
    close: async () => {},
  };
  const server: Server = createServer((request, response) => {
    void answer(request).then(
      async (body) => {
        if (state.delayMs > 0) await new Promise((r) => setTimeout(r, state.delayMs));
        if (response.destroyed) return;
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      },
      () => response.writeHead(400).end(),
    );
  });
  async function answer(request: IncomingMessage) {
    state.authorizations.push(request.headers.authorization);
    let text = '';
    for await (const chunk of request) text += String(chunk);
    const { input, model } = JSON.parse(text) as { input: string | string[]; model: string };
    const inputs = Array.isArray(input) ? input : [input];
    state.inputs.push(...inputs);
    return {
      object: 'list',
      model,
      data: inputs.map((s, index) => ({ object: 'embedding', index, embedding: embed(s, synonyms) })),
      usage: { prompt_tokens: 0, total_tokens: 0 },
    };
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return state;
}

function embed(text: string, synonyms: Record<string, string>): number[] {
  const vector = new Array<number>(DIMENSIONS).fill(0);
  for (const raw of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    const word = synonyms[raw] ?? raw;
    vector[createHash('sha256').update(word).digest()[0]! % DIMENSIONS]! += 1;
  }
  return vector;
}
