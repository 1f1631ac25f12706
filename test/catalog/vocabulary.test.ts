/**
 * @module vocabulary, query plan and server names tests: abbreviations and everyday words reach the words tools use,
 * a request that names a server lifts that server's tools, and an everyday word that is also a server's name lifts
 * it less.
 */
import { describe, expect, it } from 'vitest';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { planQuery, requestWords } from '../../src/catalog/query-plan.js';
import { createSearchIndex, type IndexedTool, type SearchResult } from '../../src/catalog/search-index.js';
import { buildServerNames, findNamedServers } from '../../src/catalog/server-names.js';
import { equivalentsOf, phraseKey } from '../../src/catalog/vocabulary.js';

function entry(server: string, name: string, description: string, serverDescription = ''): IndexedTool {
  const tool: Tool = { name, description, inputSchema: { type: 'object' } };
  return { server, serverDescription, tool };
}

function first(result: SearchResult): string | undefined {
  if (!result.ok) throw new Error(result.message);
  const hit = result.hits[0];
  return hit && `${hit.server}/${hit.tool}`;
}

describe('vocabulary', () => {
  it('expands abbreviations and commands one way, equivalents both ways', () => {
    const has = (words: string[], terms: string) =>
      expect(
        equivalentsOf(words).map((t) => t.join(' ')),
        words.join(' '),
      ).toContain(terms);
    has(['pr'], 'pull request');
    has(['mr'], 'merg request');
    has(['repo'], 'repositori');
    has(['mkdir'], 'creat directori');
    has(['folder'], 'directori');
    has(['directory'], 'folder');
    has(['ticket'], 'issu');
    has(['k8s'], 'kubernet');
    has(['who', 'am', 'i'], 'viewer');
    // One way only: "pull request" does not mean "pr".
    expect(equivalentsOf(['pull', 'request'])).toEqual([]);
    expect(equivalentsOf(['zebra'])).toEqual([]);
  });

  it('looks phrases up stemmed, so inflections find them ("folders", "PRs")', () => {
    expect(phraseKey(['folders'])).toBe(phraseKey(['folder']));
    expect(equivalentsOf(['folders']).length).toBeGreaterThan(0);
    expect(equivalentsOf(['dms']).map((t) => t.join(' '))).toEqual(
      equivalentsOf(['dm']).map((t) => t.join(' ')),
    );
  });
});

describe('query plan', () => {
  const names = buildServerNames(
    new Map([
      ['linear', 0],
      ['google-maps', 1],
      ['fetch', 2],
    ]),
    (word) => (word === 'fetch' ? 0.1 : 1),
  );

  it('splits a request into slots, with equivalents at a lower weight', () => {
    const plan = planQuery('list my repos', names, 32);
    expect(plan.slots.map((s) => s[0]!.terms)).toEqual([['list'], ['repo']]);
    expect(plan.slots[1]!.slice(1)).toContainEqual({ terms: ['repositori'], weight: 0.6 });
    // A known phrase of several words is one slot ("who am i"), its meaning weighted fully.
    const who = planQuery('who am I', names, 32);
    expect(who.slots).toHaveLength(1);
    expect(who.slots[0]).toContainEqual({ terms: ['viewer'], weight: 1 });
  });

  it('turns a server named in the request into a routing, not a search term', () => {
    const plan = planQuery('create an issue in Linear', names, 32);
    expect(plan.servers).toEqual([{ server: 0, certainty: 1 }]);
    expect(plan.slots.flat().flatMap((g) => g.terms)).not.toContain('linear');
    // Words of a longer name, apart or run together, and a name alone (then it is searched for too).
    expect(planQuery('directions on Google Maps', names, 32).servers).toEqual([{ server: 1, certainty: 1 }]);
    expect(planQuery('googlemaps route', names, 32).servers).toEqual([{ server: 1, certainty: 1 }]);
    const alone = planQuery('Linear', names, 32);
    expect(alone.servers).toEqual([{ server: 0, certainty: 1 }]);
    expect(alone.slots.flat().flatMap((g) => g.terms)).toEqual(['linear']);
  });

  it('keeps "GitHub" one word when looking for names', () => {
    expect(requestWords('open a PR on GitHub')).toEqual(['open', 'a', 'pr', 'on', 'github']);
    expect(findNamedServers(['fetch', 'upstream'], names).servers).toEqual([{ server: 2, certainty: 0.1 }]);
  });
});

describe('search with the vocabulary and server names', () => {
  const index = createSearchIndex([
    entry('github', 'create_pull_request', 'Create a new pull request in a GitHub repository'),
    entry('github', 'create_issue', 'Create a new issue in a GitHub repository'),
    entry('gitlab', 'create_merge_request', 'Create a new merge request in a GitLab project'),
    entry('gitlab', 'create_issue', 'Create a new issue in a GitLab project'),
    entry('filesystem', 'create_directory', 'Create a new directory or ensure a directory exists'),
    entry('filesystem', 'list_directory', 'Get a detailed listing of all files and directories'),
    entry('linear', 'linear_getViewer', 'Get information about the currently authenticated user'),
    entry('linear', 'linear_createIssue', 'Create a new issue'),
    entry(
      'tracker',
      'create_ticket',
      'Open a ticket with a very long description of every field, option and rule',
    ),
  ]);

  it('finds tools by abbreviation, command and everyday word', () => {
    expect(first(index.search('open a PR'))).toBe('github/create_pull_request');
    expect(first(index.search('open an MR'))).toBe('gitlab/create_merge_request');
    expect(first(index.search('mkdir reports'))).toBe('filesystem/create_directory');
    expect(first(index.search('show the folder'))).toBe('filesystem/list_directory');
    expect(first(index.search('who am I in Linear'))).toBe('linear/linear_getViewer');
  });

  it('puts the named product first', () => {
    expect(first(index.search('new issue in Linear'))).toBe('linear/linear_createIssue');
    expect(first(index.search('new issue on GitLab'))).toBe('gitlab/create_issue');
    expect(first(index.search('create a ticket in Linear'))).toBe('linear/linear_createIssue');
  });
});
