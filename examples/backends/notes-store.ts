/** @module The notes demo's in-memory notebook: one per process, shared by all sessions, bounded in size. */

export interface Note {
  id: string;
  title: string;
  body: string;
  tags: string[];
  created_at: string;
}

/** Caps that keep a runaway client from growing the demo process without limit. */
export const LIMITS = { notes: 1000, title: 200, body: 100_000, tags: 20, tag: 50 } as const;

export type AddResult = { ok: true; note: Note } | { ok: false; message: string };

/** Tags compare case-insensitively; store them lower-cased and trimmed, once each, in the order given. */
export function normalizeTags(tags: readonly string[] = []): string[] {
  return [...new Set(tags.map((t) => t.trim().toLowerCase()).filter((t) => t !== ''))];
}

export class NotesStore {
  private readonly notes = new Map<string, Note>();
  private readonly listeners = new Set<() => void>();
  private nextId = 1;

  constructor(private readonly now: () => Date = () => new Date()) {}

  add(title: string, body: string, tags?: readonly string[]): AddResult {
    if (this.notes.size >= LIMITS.notes) {
      return { ok: false, message: `The notebook is full (${LIMITS.notes} notes). Delete some notes first.` };
    }
    const clean = normalizeTags(tags);
    if (title.trim() === '') return { ok: false, message: 'The title must not be empty.' };
    if (title.length > LIMITS.title)
      return { ok: false, message: `The title is longer than ${LIMITS.title} characters.` };
    if (body.length > LIMITS.body)
      return { ok: false, message: `The body is longer than ${LIMITS.body} characters.` };
    if (clean.length > LIMITS.tags) return { ok: false, message: `At most ${LIMITS.tags} tags per note.` };
    if (clean.some((t) => t.length > LIMITS.tag)) {
      return { ok: false, message: `Each tag must be at most ${LIMITS.tag} characters.` };
    }
    // Sequential ids are short and easy for a model to repeat back correctly; nothing here needs them unguessable.
    const note: Note = {
      id: `n${this.nextId++}`,
      title: title.trim(),
      body,
      tags: clean,
      created_at: this.now().toISOString(),
    };
    this.notes.set(note.id, note);
    this.changed();
    return { ok: true, note };
  }

  get(id: string): Note | undefined {
    return this.notes.get(id.trim());
  }

  /** Newest first, optionally only those carrying `tag`. */
  list(tag?: string): Note[] {
    const wanted = tag?.trim().toLowerCase();
    const all = [...this.notes.values()].reverse();
    return wanted ? all.filter((n) => n.tags.includes(wanted)) : all;
  }

  /**
   * Every whitespace-separated term must occur (case-insensitively) in the title, body or tags. Title and tag hits
   * rank above body hits; ties go to the newer note.
   */
  search(query: string): Note[] {
    const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
    if (terms.length === 0) return [];
    const scored: { note: Note; score: number; order: number }[] = [];
    let order = 0;
    for (const note of this.notes.values()) {
      order++;
      const title = note.title.toLowerCase();
      const body = note.body.toLowerCase();
      const tags = note.tags.join(' ');
      let score = 0;
      let all = true;
      for (const term of terms) {
        const hit =
          (title.includes(term) ? 3 : 0) + (tags.includes(term) ? 2 : 0) + (body.includes(term) ? 1 : 0);
        if (hit === 0) {
          all = false;
          break;
        }
        score += hit;
      }
      if (all) scored.push({ note, score, order });
    }
    return scored.sort((a, b) => b.score - a.score || b.order - a.order).map((s) => s.note);
  }

  delete(id: string): Note | undefined {
    const note = this.notes.get(id.trim());
    if (note) {
      this.notes.delete(note.id);
      this.changed();
    }
    return note;
  }

  get size(): number {
    return this.notes.size;
  }

  /** Called after every add/delete (sessions announce resources/list_changed). Returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
