import { describe, expect, it } from 'vitest';
import { splitCommand } from '../../src/config/index.js';

const SHELL_HINT =
  'is a shell operator, but the command is not run by a shell; quote it to pass it literally, or if a shell ' +
  'is really wanted use command: sh with args: ["-c", "…"]';

describe('splitCommand', () => {
  it.each([
    ['node server.js', ['node', 'server.js']],
    ['  npx   -y\t@scope/pkg  ', ['npx', '-y', '@scope/pkg']],
    ['echo \'single $HOME "quoted" \\n\'', ['echo', 'single $HOME "quoted" \\n']],
    ['echo "a \\"b\\" \\\\ \\$ \\` \\n"', ['echo', 'a "b" \\ $ ` \\n']],
    ["a\\ b c\\'d", ['a b', "c'd"]],
    ['x \'\' "" y', ['x', '', '', 'y']],
    ['con\'cat\'"ena"ted', ['concatenated']],
    ['python -c "print(1)"', ['python', '-c', 'print(1)']],
    ["sh -c 'ls | wc -l > out; echo $(date) `id` &'", ['sh', '-c', 'ls | wc -l > out; echo $(date) `id` &']],
    ['echo "a|b;c&d<e>f"', ['echo', 'a|b;c&d<e>f']],
    ['echo \\| \\; \\&', ['echo', '|', ';', '&']],
    ['echo $HOME ${X} $', ['echo', '$HOME', '${X}', '$']],
    ['node --opt=a=b', ['node', '--opt=a=b']],
  ])('%s', (line, words) => {
    expect(splitCommand(line)).toEqual({ ok: true, words });
  });

  it.each([
    ['', 'the command is empty'],
    ['   \t ', 'the command is empty'],
    ["''", 'the command is empty'],
    ["echo 'open", 'unterminated single quote'],
    ['echo "open', 'unterminated double quote'],
    ['echo "a\\"', 'unterminated double quote'],
    ['echo trailing\\', 'the command ends with a lone backslash'],
    ['cat log | grep x', `"|" ${SHELL_HINT}`],
    ['a && b', `"&" ${SHELL_HINT}`],
    ['a; b', `";" ${SHELL_HINT}`],
    ['a < in', `"<" ${SHELL_HINT}`],
    ['a > out', `">" ${SHELL_HINT}`],
    ['a 2>&1', `">" ${SHELL_HINT}`],
    ['echo `id`', `"\`" ${SHELL_HINT}`],
    ['echo $(id)', `"$(" ${SHELL_HINT}`],
    // A shell would substitute inside double quotes too; we refuse rather than silently differ.
    ['echo "$(id)"', `"$(" ${SHELL_HINT}`],
    ['echo "`id`"', `"\`" ${SHELL_HINT}`],
  ])('refuses %j', (line, message) => {
    expect(splitCommand(line)).toEqual({ ok: false, message });
  });

  it('never echoes the command in a message', () => {
    const result = splitCommand('deploy --token=CANARY-9f3a | tee');
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain('CANARY');
  });
});
