/**
 * The command line's grammar: which command runs with which values, what prints and exits 0, and what is a usage
 * error (exit 2) with a message naming the problem.
 */
import { describe, expect, it } from 'vitest';
import { parseCommandLine, type CommandSpec } from '../../src/cli-args.js';

const COMMANDS: CommandSpec[] = [
  {
    name: 'serve',
    describe: 'run it',
    options: [
      { name: 'port', short: 'p', type: 'number', describe: 'port' },
      { name: 'log-level', type: 'string', choices: ['debug', 'info'], describe: 'level' },
      { name: 'meta-mcp', type: 'boolean', negatable: true, describe: 'meta' },
    ],
  },
  {
    name: 'doctor',
    describe: 'check things',
    options: [{ name: 'start', type: 'boolean', describe: 'start' }],
  },
  { name: 'init', describe: 'write one', options: [], positionals: [{ name: 'FILE', optional: true }] },
  {
    name: 'tools search',
    describe: 'search',
    options: [{ name: 'limit', type: 'number', describe: 'limit' }],
    positionals: [{ name: 'QUERY', rest: true }],
  },
  {
    name: 'tools call',
    describe: 'call',
    options: [],
    positionals: [{ name: 'SERVER' }, { name: 'TOOL' }, { name: 'ARGS', optional: true }],
  },
];
const parse = (...argv: string[]) => parseCommandLine(argv, COMMANDS, '9.9.9');

describe('the command line', () => {
  it.each([
    [[], 'serve', {}],
    [['-c', 'a.yaml', '-p', '8080'], 'serve', { config: 'a.yaml', port: 8080 }],
    [
      ['serve', '--config=b.yaml', '--log-level', 'debug'],
      'serve',
      { config: 'b.yaml', 'log-level': 'debug' },
    ],
    [['--no-meta-mcp'], 'serve', { 'meta-mcp': false }],
    [['doctor', '--start', '-c', 'x.yaml'], 'doctor', { start: true, config: 'x.yaml' }],
    [['init'], 'init', { FILE: undefined }],
    [['init', 'a.yaml'], 'init', { FILE: 'a.yaml' }],
    [
      ['tools', 'search', 'current', 'time', '--limit', '3'],
      'tools search',
      { QUERY: 'current time', limit: 3 },
    ],
    [
      ['tools', 'call', 'toolbox', 'echo', '{"m": 1}'],
      'tools call',
      { SERVER: 'toolbox', TOOL: 'echo', ARGS: '{"m": 1}' },
    ],
    [
      ['tools', 'call', 'toolbox', 'echo'],
      'tools call',
      { SERVER: 'toolbox', TOOL: 'echo', ARGS: undefined },
    ],
  ])('%j runs %s with %j', (argv, command, args) => {
    expect(parse(...argv)).toEqual({ kind: 'run', command, args });
  });

  it.each([
    [['--nope'], "Unknown option '--nope'"],
    [['-p', 'abc'], '--port takes a number, not "abc"'],
    [['--log-level', 'loud'], '--log-level must be one of debug, info, not "loud"'],
    [['frobnicate'], 'unknown command or argument "frobnicate"'],
    [['--no-port'], "Unknown option '--no-port'"],
    [['doctor', '--no-start'], '--no-start is not an option'],
    [['doctor', '--port', '1'], "Unknown option '--port'"],
    [['init', 'a.yaml', 'b.yaml'], 'unknown command or argument "b.yaml"'],
    [['tools'], '"tools" needs one of: search, call'],
    [['tools', 'list'], '"tools" needs one of: search, call'],
    [['tools', 'call', 'toolbox'], 'tools call needs TOOL'],
    [['tools', 'search'], 'tools search needs QUERY'],
  ])('%j is a usage error: %s', (argv, message) => {
    expect(parse(...argv)).toEqual({ kind: 'usage', message });
  });

  it('prints the version, the general help and a command help', () => {
    expect(parse('--version')).toEqual({ kind: 'print', text: '9.9.9\n' });
    const general = parse('--help');
    expect(general.kind === 'print' && general.text).toMatch(
      /^mcp-gateway \[serve\|doctor\|init\|tools\] \[options\]/,
    );
    expect(general.kind === 'print' && general.text).toContain('  tools search  search\n');
    const call = parse('tools', 'call', '--help');
    expect(call.kind === 'print' && call.text).toMatch(
      /^mcp-gateway tools call SERVER TOOL \[ARGS\] \[options\]/,
    );
    const search = parse('tools', 'search', '--help');
    expect(search.kind === 'print' && search.text).toMatch(
      /^mcp-gateway tools search QUERY\.\.\. \[options\]/,
    );
    expect(general.kind === 'print' && general.text).toMatch(/-p, --port <number> +port/);
    const doctor = parse('doctor', '-h');
    expect(doctor.kind === 'print' && doctor.text).toMatch(
      /^mcp-gateway doctor \[options\]\n\nCheck things\./,
    );
    expect(doctor.kind === 'print' && doctor.text).toContain('--start');
    expect(doctor.kind === 'print' && doctor.text).not.toContain('--port');
  });
});
