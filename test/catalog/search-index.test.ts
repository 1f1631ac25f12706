/** @module search-index tests: tokenizer, field weights, filters, regex mode, ordering and input validation. */
import { describe, expect, it } from 'vitest';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import {
  MAX_LIMIT,
  MAX_PATTERN_LENGTH,
  MAX_QUERY_LENGTH,
  createSearchIndex,
  type IndexedTool,
  type SearchResult,
} from '../../src/catalog/search-index.js';
import { normalizeTerm, splitWords, stemWord, tokenize } from '../../src/catalog/tokenize.js';

function tool(name: string, extra: Partial<Tool> = {}): Tool {
  return { name, inputSchema: { type: 'object' }, ...extra };
}

function entry(server: string, t: Tool, serverDescription = ''): IndexedTool {
  return { server, serverDescription, tool: t };
}

function names(result: SearchResult): string[] {
  if (!result.ok) throw new Error(`search failed: ${result.message}`);
  return result.hits.map((h) => `${h.server}/${h.tool}`);
}

function failure(result: SearchResult): string {
  if (result.ok) throw new Error(`expected a failure, got ${result.hits.length} hits`);
  return result.message;
}

describe('tokenizer', () => {
  it('splits camelCase, snake_case, kebab-case, dots and digits, lowercased', () => {
    expect(splitWords('get_file_info')).toEqual(['get', 'file', 'info']);
    expect(splitWords('list-dir.v2')).toEqual(['list', 'dir', 'v', '2', 'v2']);
    expect(splitWords('getFileInfo')).toEqual(['get', 'file', 'info', 'getfileinfo']);
    expect(splitWords('HTTPServer utf8')).toEqual(['http', 'server', 'httpserver', 'utf', '8', 'utf8']);
    expect(splitWords('Read the File, then  WRITE it!')).toEqual([
      'read',
      'the',
      'file',
      'then',
      'write',
      'it',
    ]);
  });

  it('keeps a compound word whole too, so "javascript" meets "JavaScript" and "github" meets "GitHub"', () => {
    expect(tokenize('Evaluate JavaScript on GitHub')).toEqual(
      expect.arrayContaining(['javascript', 'java', 'script', 'github', 'git', 'hub']),
    );
  });

  it('splits words of any script and leaves them unstemmed', () => {
    expect(tokenize('Größe der Datei — ファイル')).toEqual(['größe', 'der', 'datei', 'ファイル']);
  });

  it('drops stop words and single letters but keeps numbers', () => {
    expect(tokenize("what's the time in Tokyo on port 8080 and 5 x")).toEqual([
      'time',
      'tokyo',
      'port',
      '8080',
      '5',
    ]);
    expect(normalizeTerm('the')).toBeNull();
    expect(normalizeTerm('s')).toBeNull();
    expect(normalizeTerm('7')).toBe('7');
  });

  it('stems English words with Porter2: plurals and verb forms meet, unrelated words stay apart', () => {
    const same = (a: string, b: string) => expect(stemWord(a), `${a} ~ ${b}`).toBe(stemWord(b));
    same('files', 'file');
    same('queries', 'query');
    same('branches', 'branch');
    same('creating', 'create');
    same('created', 'creates');
    same('deploys', 'deployment');
    same('directories', 'directory');
    same('merged', 'merging');
    expect(stemWord('general')).not.toBe(stemWord('generate'));
    expect(stemWord('status')).toBe('status');
    // Short words are abbreviations, not inflections; other scripts and identifiers are left alone.
    expect(['prs', 'dms', 'ids', 'utf8', 'größe'].map(stemWord)).toEqual([
      'prs',
      'dms',
      'ids',
      'utf8',
      'größe',
    ]);
    expect(tokenize('Creating pull requests')).toEqual(['creat', 'pull', 'request']);
  });
});

describe('free-text search', () => {
  it('weights fields: name > title > description > parameter names > parameter descriptions > server', () => {
    const filler = 'alpha beta gamma';
    const index = createSearchIndex([
      entry('srv', tool('tool_desc', { description: 'zephyr beta gamma' })),
      entry(
        'srv',
        tool('tool_param_desc', {
          description: filler,
          inputSchema: { type: 'object', properties: { x: { type: 'string', description: 'zephyr' } } },
        }),
      ),
      entry('srv', tool('zephyr_name', { description: filler })),
      entry('other', tool('tool_server', { description: filler }), 'zephyr services'),
      entry(
        'srv',
        tool('tool_param', {
          description: filler,
          inputSchema: { type: 'object', properties: { zephyr: { type: 'string' } } },
        }),
      ),
      entry('srv', tool('tool_title', { title: 'Zephyr title', description: filler })),
    ]);
    expect(names(index.search('zephyr', { limit: 10 }))).toEqual([
      'srv/zephyr_name',
      'srv/tool_title',
      'srv/tool_desc',
      'srv/tool_param',
      'srv/tool_param_desc',
      'other/tool_server',
    ]);
  });

  it('ranks a tool matching more of the query words first', () => {
    const index = createSearchIndex([
      entry('github', tool('get_pull_request', { description: 'Get a pull request' })),
      entry('github', tool('create_issue', { description: 'Create an issue' })),
      entry('github', tool('create_pull_request', { description: 'Create a pull request' })),
    ]);
    expect(names(index.search('create a pull request'))[0]).toBe('github/create_pull_request');
  });

  it('matches identifiers split the same way on both sides, plurals, and prefixes of longer words', () => {
    const index = createSearchIndex([
      entry('fs', tool('getFileInfo', { description: 'Metadata of a path' })),
      entry('weather', tool('forecast', { description: 'Temperature and rain for a city' })),
      entry('units', tool('convert_units', { description: 'Converts a value between units' })),
      entry('browser', tool('evaluate', { description: 'Run JavaScript in the page' })),
    ]);
    expect(names(index.search('file info'))[0]).toBe('fs/getFileInfo');
    expect(names(index.search('get-file-info'))[0]).toBe('fs/getFileInfo');
    expect(names(index.search('files'))[0]).toBe('fs/getFileInfo');
    expect(names(index.search('temp'))[0]).toBe('weather/forecast');
    expect(names(index.search('conv'))[0]).toBe('units/convert_units');
    expect(names(index.search('javascript'))[0]).toBe('browser/evaluate');
    // Prefix matching needs four letters: "tem" alone would match too much.
    expect(names(index.search('tem'))).toEqual([]);
  });

  it('indexes parameters two levels deep (nested objects and array items), not deeper', () => {
    const nested = {
      type: 'object',
      properties: {
        filter: {
          type: 'object',
          properties: { sender: { type: 'string', description: 'quokka address' } },
        },
        rows: {
          type: 'array',
          items: { type: 'object', properties: { wombat: { type: 'string' } } },
        },
        deep: {
          type: 'object',
          properties: { inner: { type: 'object', properties: { platypus: { type: 'string' } } } },
        },
      },
    } as const;
    const index = createSearchIndex([entry('mail', tool('search', { inputSchema: nested }))]);
    expect(names(index.search('quokka'))).toEqual(['mail/search']);
    expect(names(index.search('wombat'))).toEqual(['mail/search']);
    expect(names(index.search('sender'))).toEqual(['mail/search']);
    expect(names(index.search('platypus'))).toEqual([]);
  });

  it('uses annotations.title when a tool has no title, and tolerates odd schemas', () => {
    // A backend's schema is only loosely typed on the wire: whatever arrives must not break the build.
    const odd = (inputSchema: unknown) => ({ inputSchema }) as unknown as Partial<Tool>;
    const index = createSearchIndex([
      entry('a', tool('t1', { annotations: { title: 'Numbat finder' } })),
      entry('a', tool('t2', odd({ type: 'object', properties: 'nonsense' }))),
      entry('a', tool('t3', odd({ type: 'object', properties: { p: null, q: { enum: [1, 'echidna'] } } }))),
      entry('a', tool('t4', odd(null))),
    ]);
    expect(names(index.search('numbat'))).toEqual(['a/t1']);
    expect(names(index.search('echidna'))).toEqual(['a/t3']);
  });

  it('filters by server, and says which servers exist when the name is wrong', () => {
    const index = createSearchIndex([
      entry('slack', tool('search_messages', { description: 'Search messages' })),
      entry('gmail', tool('search_emails', { description: 'Search email messages' })),
    ]);
    expect(names(index.search('search messages', { server: 'gmail' }))).toEqual(['gmail/search_emails']);
    expect(failure(index.search('search', { server: 'slak' }))).toBe(
      'No server named "slak". Indexed servers: gmail, slack.',
    );
    expect(failure(createSearchIndex([]).search('x', { server: 'slack' }))).toMatch(/index is empty/);
  });

  it('orders ties by server then tool name, whatever the input order', () => {
    const copies = ['c', 'a', 'b'].flatMap((server) => [
      entry(server, tool('send_mail', { description: 'Send an email' })),
      entry(server, tool('send_email', { description: 'Send an email' })),
    ]);
    const expected = [
      'a/send_email',
      'a/send_mail',
      'b/send_email',
      'b/send_mail',
      'c/send_email',
      'c/send_mail',
    ];
    const forward = createSearchIndex(copies).search('send an email', { limit: 10 });
    const backward = createSearchIndex([...copies].reverse()).search('send an email', { limit: 10 });
    // send_email matches "email" in its name, so it outranks send_mail within each server: check ties only.
    const byScore = names(forward);
    expect(byScore.filter((n) => n.endsWith('/send_email'))).toEqual(
      expected.filter((n) => n.endsWith('/send_email')),
    );
    expect(byScore.filter((n) => n.endsWith('/send_mail'))).toEqual(
      expected.filter((n) => n.endsWith('/send_mail')),
    );
    expect(backward).toEqual(forward);
  });

  it('returns 5 hits by default and clamps the limit to 1..50', () => {
    const tools = Array.from({ length: 60 }, (_, i) =>
      entry('s', tool(`note_${String(i).padStart(2, '0')}`)),
    );
    const index = createSearchIndex(tools);
    expect(index.size).toBe(60);
    const count = (limit?: number) =>
      names(index.search('note', limit === undefined ? {} : { limit })).length;
    expect(count()).toBe(5);
    expect(count(100)).toBe(MAX_LIMIT);
    expect(count(0)).toBe(1);
    expect(count(2.9)).toBe(2);
    expect(count(Number.NaN)).toBe(5);
  });

  it('refuses empty, stop-word-only and overlong queries with a message a model can act on', () => {
    const index = createSearchIndex([entry('s', tool('t'))]);
    expect(failure(index.search(''))).toMatch(/query is empty/);
    expect(failure(index.search('   \n'))).toMatch(/query is empty/);
    expect(failure(index.search('what is it?'))).toMatch(/no searchable words/);
    expect(failure(index.search('x'.repeat(MAX_QUERY_LENGTH + 1)))).toMatch(/max 1000/);
    expect(names(index.search('nothing matches this'))).toEqual([]);
  });

  it('answers a request that matches nothing with the servers and a hint', () => {
    const index = createSearchIndex([
      entry('slack', tool('post_message', { description: 'Post a message' }), 'Team chat'),
      entry('maps', tool('geocode', { description: 'Address to coordinates' }), 'Places and routes'),
    ]);
    const none = index.search('zebra quagga');
    if (!none.ok) throw new Error(none.message);
    expect(none.hits).toEqual([]);
    expect(none.noMatch?.servers).toEqual([
      { name: 'maps', description: 'Places and routes' },
      { name: 'slack', description: 'Team chat' },
    ]);
    expect(none.noMatch?.hint).toMatch(/gateway_list_tools/);
    // Nothing in the server asked for, but elsewhere: point there.
    const elsewhere = index.search('post a message', { server: 'maps' });
    if (!elsewhere.ok) throw new Error(elsewhere.message);
    expect(elsewhere.hits).toEqual([]);
    expect(elsewhere.noMatch?.servers.map((s) => s.name)).toEqual(['slack']);
    expect(elsewhere.noMatch?.hint).toMatch(/without "server"/);
    // A request that matches gets no such note.
    const found = index.search('post a message');
    expect(found.ok && found.noMatch).toBeUndefined();
  });
});

describe('regex search', () => {
  const index = createSearchIndex([
    entry('git', tool('git_status', { description: 'Shows the working tree status' })),
    entry('git', tool('git_log', { description: 'Shows the commit logs' })),
    entry('github', tool('list_commits', { description: 'List commits of a branch' })),
    entry('github', tool('create_pull_request', { title: 'Open new pull request' })),
    entry('gitlab', tool('merge', { description: 'Merge a GIT_BRANCH' })),
  ]);

  it('matches names first, then server, title or description, case-insensitively', () => {
    expect(names(index.search('git_', { regex: true, limit: 10 }))).toEqual([
      'git/git_log',
      'git/git_status',
      'gitlab/merge',
    ]);
    expect(names(index.search('COMMIT', { regex: true, limit: 10 }))).toEqual([
      'github/list_commits',
      'git/git_log',
    ]);
    expect(names(index.search('open new', { regex: true }))).toEqual(['github/create_pull_request']);
    expect(names(index.search('^github$', { regex: true }))).toEqual([
      'github/create_pull_request',
      'github/list_commits',
    ]);
    expect(names(index.search('commit', { regex: true, server: 'git' }))).toEqual(['git/git_log']);
  });

  it('scores a name match 1 and any other match 0.5', () => {
    const result = index.search('commit', { regex: true });
    expect(result.ok && result.hits.map((h) => h.score)).toEqual([1, 0.5]);
  });

  it('refuses long, empty and invalid patterns, and RE2-only features, with the reason', () => {
    expect(failure(index.search('a'.repeat(MAX_PATTERN_LENGTH + 1), { regex: true }))).toMatch(/max 200/);
    expect(index.search('a'.repeat(MAX_PATTERN_LENGTH), { regex: true }).ok).toBe(true);
    expect(failure(index.search('', { regex: true }))).toMatch(/pattern is empty/);
    expect(failure(index.search('pull(', { regex: true }))).toMatch(/Invalid pattern.*missing closing \)/);
    expect(failure(index.search('(a)\\1', { regex: true }))).toMatch(/backreferences/);
    expect(failure(index.search('git(?=_)', { regex: true }))).toMatch(/Invalid pattern/);
  });

  it('runs catastrophic-backtracking patterns in linear time', () => {
    // Each of these takes a backtracking engine (V8's RegExp) minutes to years on this text; RE2 answers at once,
    // and the test timeout would catch a regression to a backtracking engine.
    const evil = createSearchIndex([entry('s', tool('t', { description: `${'a'.repeat(3000)}#` }))]);
    for (const pattern of ['(a+)+$', '(a|a)+$', '(a|aa)+$', '\\w*\\w*\\w*\\w*!', '(.*a){20}$']) {
      expect(names(evil.search(pattern, { regex: true })), pattern).toEqual([]);
    }
    expect(names(evil.search('^a{1000}a+#$', { regex: true }))).toEqual(['s/t']);
  });
});
