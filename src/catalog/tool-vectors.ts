/**
 * @module tool-vectors: each tool's embedding, keyed by the catalog's hash of its definition (toolHash), so that a
 * tool is embedded once per definition however often its backend is read, restarted or renamed. Kept beside the
 * catalog in the state directory (through the store's SnapshotStore), for one model: vectors of another model are
 * not comparable, and are dropped when the model changes.
 */
import { isObject } from '../json-rpc.js';
import type { SnapshotStore } from '../store/snapshot-file.js';

interface VectorsFile {
  version: 1;
  model: string;
  /** toolHash → the vector's float32 bytes, base64: about a third of the size of a JSON array of numbers. */
  vectors: Record<string, string>;
}

export class ToolVectors {
  private readonly vectors = new Map<string, Float32Array>();

  constructor(
    private readonly store: SnapshotStore | undefined,
    private readonly model: string,
  ) {}

  load(): void {
    const file = this.store?.load();
    if (!isObject(file) || file.version !== 1 || file.model !== this.model || !isObject(file.vectors)) return;
    for (const [hash, encoded] of Object.entries(file.vectors)) {
      if (typeof encoded !== 'string') continue;
      const bytes = Buffer.from(encoded, 'base64');
      if (bytes.length === 0 || bytes.length % 4 !== 0) continue;
      this.vectors.set(
        hash,
        new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)),
      );
    }
  }

  get(hash: string): Float32Array | undefined {
    return this.vectors.get(hash);
  }

  has(hash: string): boolean {
    return this.vectors.has(hash);
  }

  get size(): number {
    return this.vectors.size;
  }

  /** Adds vectors, forgets those of tools no longer in `live` (when given), and saves. */
  add(entries: ReadonlyArray<readonly [string, Float32Array]>, live?: ReadonlySet<string>): void {
    for (const [hash, vector] of entries) this.vectors.set(hash, vector);
    if (live) for (const hash of [...this.vectors.keys()]) if (!live.has(hash)) this.vectors.delete(hash);
    const file: VectorsFile = { version: 1, model: this.model, vectors: {} };
    for (const [hash, vector] of this.vectors)
      file.vectors[hash] = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString(
        'base64',
      );
    this.store?.save(file);
  }

  flush(): Promise<void> {
    return this.store?.flush() ?? Promise.resolve();
  }
}
