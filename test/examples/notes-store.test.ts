import { describe, expect, it, vi } from 'vitest';
import { LIMITS, normalizeTags, NotesStore } from '../../examples/backends/notes-store.js';

const fixedClock = () => new Date('2025-05-01T10:00:00Z');

function filled(): NotesStore {
  const store = new NotesStore(fixedClock);
  store.add('Groceries', 'milk, eggs, coffee beans', ['Home', 'todo']);
  store.add('Quarterly budget', 'Review the 2025 budget with finance', ['work']);
  store.add('Coffee notes', 'Ethiopian beans taste of blueberry', ['home']);
  return store;
}

describe('NotesStore', () => {
  it('adds notes with sequential ids, trimmed titles and normalized tags', () => {
    const store = new NotesStore(fixedClock);
    const r = store.add('  Hello ', 'body', ['A', ' a ', 'b', '']);
    expect(r).toEqual({
      ok: true,
      note: {
        id: 'n1',
        title: 'Hello',
        body: 'body',
        tags: ['a', 'b'],
        created_at: '2025-05-01T10:00:00.000Z',
      },
    });
    expect(store.add('Second', '').ok && store.get('n2')?.tags).toEqual([]);
    expect(normalizeTags([' X ', 'x', 'y'])).toEqual(['x', 'y']);
  });

  it('refuses empty titles, oversized fields and a full notebook', () => {
    const store = new NotesStore(fixedClock);
    expect(store.add('   ', 'x')).toMatchObject({ ok: false });
    expect(store.add('t', 'x'.repeat(LIMITS.body + 1))).toMatchObject({ ok: false });
    expect(store.add('t', 'x', ['x'.repeat(LIMITS.tag + 1)])).toMatchObject({ ok: false });
    expect(
      store.add(
        't',
        'x',
        Array.from({ length: LIMITS.tags + 1 }, (_, i) => `t${i}`),
      ),
    ).toMatchObject({ ok: false });
    for (let i = 0; i < LIMITS.notes; i++) store.add(`n${i}`, '');
    expect(store.add('one too many', '')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/full/),
    });
  });

  it('lists newest first, optionally by tag (case-insensitive)', () => {
    const store = filled();
    expect(store.list().map((n) => n.id)).toEqual(['n3', 'n2', 'n1']);
    expect(store.list('HOME').map((n) => n.id)).toEqual(['n3', 'n1']);
    expect(store.list('nope')).toEqual([]);
  });

  it('searches all terms across title, body and tags, title hits first', () => {
    const store = filled();
    expect(store.search('coffee').map((n) => n.id)).toEqual(['n3', 'n1']);
    expect(store.search('beans home').map((n) => n.id)).toEqual(['n3', 'n1']);
    expect(store.search('budget FINANCE').map((n) => n.id)).toEqual(['n2']);
    expect(store.search('coffee finance')).toEqual([]);
    expect(store.search('   ')).toEqual([]);
  });

  it('deletes by id and tells listeners about every change', () => {
    const store = filled();
    const listener = vi.fn();
    const off = store.onChange(listener);
    expect(store.delete('n2')?.title).toBe('Quarterly budget');
    expect(store.delete('n2')).toBeUndefined();
    expect(store.get('n2')).toBeUndefined();
    store.add('x', 'y');
    expect(listener).toHaveBeenCalledTimes(2);
    off();
    store.delete('n1');
    expect(listener).toHaveBeenCalledTimes(2);
    expect(store.size).toBe(2);
  });
});
