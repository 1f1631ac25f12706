/**
 * @module import/render: imported backends as servers.yaml text: a new document to print, or merged into an existing
 * file through the `yaml` Document API, which keeps that file's comments, order and quoting.
 */
import { Document, isMap, isScalar, Pair, parseDocument, YAMLMap, type Node } from 'yaml';
import type { ImportedBackend } from './plan.js';

export type MergeResult =
  { ok: true; text: string; added: string[]; replaced: string[] } | { ok: false; message: string };

/** `header`: the comment lines that open the document (the source file and its format). */
export function renderBackends(backends: readonly ImportedBackend[], header: readonly string[]): string {
  const doc = new Document({});
  doc.commentBefore = comment(header) ?? null;
  doc.set('backends', backendsMap(doc, backends));
  return doc.toString();
}

/**
 * `text` with `backends` added under its `backends:`. A name already there is refused unless `force`, then its
 * value is replaced in place (its comments stay). `path` is only for messages.
 */
export function mergeBackends(
  text: string,
  path: string,
  backends: readonly ImportedBackend[],
  header: readonly string[],
  force: boolean,
): MergeResult {
  // Widened from Document.Parsed: the merge puts nodes into it that no parser made.
  const doc: Document = parseDocument(text);
  if (doc.errors.length > 0) {
    return {
      ok: false,
      message: `${path} is not valid YAML (${doc.errors[0]!.message.split('\n')[0]}): fix it first`,
    };
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    const top = new YAMLMap();
    // An empty file, or one of comments only: they stay.
    if (doc.contents?.comment) top.comment = doc.contents.comment;
    doc.contents = top;
  }
  if (!isMap(doc.contents)) return { ok: false, message: `${path} does not hold a mapping at the top` };

  let map = doc.get('backends', true) as Node | undefined;
  if (map === undefined || (isScalar(map) && map.value === null)) {
    const fresh = new YAMLMap();
    // `backends:` followed only by commented examples (as `mcp-gateway init` writes): the examples stay, below.
    if (map?.comment) fresh.comment = map.comment;
    doc.set('backends', fresh);
    map = fresh;
  }
  if (!isMap(map)) return { ok: false, message: `${path}: backends is not a mapping` };
  // `backends: {}` would otherwise stay a one-line flow mapping, with every imported backend on that line.
  map.flow = false;

  const existing = new Set(map.items.map((pair) => String(isScalar(pair.key) ? pair.key.value : pair.key)));
  const clashes = backends.filter((b) => existing.has(b.name)).map((b) => b.name);
  if (clashes.length > 0 && !force) {
    return {
      ok: false,
      message:
        `${path} already has ${clashes.length === 1 ? 'a backend' : 'backends'} named ${clashes.join(', ')}: ` +
        'nothing was changed. Add --force to replace them, or rename them in one of the files.',
    };
  }
  const added: string[] = [];
  let first = true;
  for (const backend of backends) {
    const value = doc.createNode(backend.entry);
    if (existing.has(backend.name)) {
      map.set(backend.name, value);
      continue;
    }
    const key = doc.createNode(backend.name);
    key.commentBefore = comment([...(first ? header : []), ...notesOf(backend)]) ?? null;
    // The imported block stands apart from what was there.
    if (first && map.items.length > 0) key.spaceBefore = true;
    first = false;
    map.add(new Pair(key, value));
    added.push(backend.name);
  }
  return { ok: true, text: doc.toString(), added, replaced: clashes };
}

function backendsMap(doc: Document, backends: readonly ImportedBackend[]): YAMLMap {
  const map = new YAMLMap();
  for (const backend of backends) {
    const key = doc.createNode(backend.name);
    const notes = notesOf(backend);
    if (notes.length > 0) key.commentBefore = comment(notes);
    map.add(new Pair(key, doc.createNode(backend.entry)));
  }
  return map;
}

function notesOf(backend: ImportedBackend): string[] {
  return [...backend.notes, ...backend.secrets];
}

/** The yaml package writes `#` before each line of a comment; a leading space keeps `# text` readable. */
function comment(lines: readonly string[]): string | undefined {
  return lines.length > 0 ? lines.map((l) => ` ${l}`).join('\n') : undefined;
}
