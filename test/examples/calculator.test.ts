import { describe, expect, it } from 'vitest';
import { evaluate, MAX_DEPTH, MAX_EXPRESSION_LENGTH } from '../../examples/backends/calculator.js';

const value = (expr: string): number => {
  const r = evaluate(expr);
  if (!r.ok) throw new Error(`expected a value for ${expr}, got: ${r.message}`);
  return r.value;
};
const failure = (expr: string): string => {
  const r = evaluate(expr);
  if (r.ok) throw new Error(`expected an error for ${expr}, got ${r.value}`);
  return r.message;
};

describe('evaluate', () => {
  it.each([
    ['1 + 2', 3],
    ['2 + 3 * 4', 14],
    ['(2 + 3) * 4', 20],
    ['10 - 4 - 3', 3], // left-associative
    ['100 / 10 / 5', 2],
    ['7 % 3', 1],
    ['-7 % 3', -1], // sign follows the dividend, as in JavaScript and C
    ['2 ^ 10', 1024],
    ['2 ^ 3 ^ 2', 512], // right-associative
    ['-2 ^ 2', -4], // unary minus binds looser than ^
    ['(-2) ^ 2', 4],
    ['2 ^ -1', 0.5],
    ['--3', 3],
    ['+4', 4],
    ['3 * -2', -6],
    ['1.5 + .5 + 2.', 4],
    ['1e3 + 2.5E-1', 1000.25],
    ['  ( ( 1 ) )  ', 1],
    ['0.1 + 0.2', 0.1 + 0.2],
    ['-0', 0],
  ])('%s = %d', (expr, expected) => {
    expect(value(expr)).toBe(expected);
  });

  it('reports division and modulo by zero', () => {
    expect(failure('1 / 0')).toMatch(/division by zero/i);
    expect(failure('5 % (2 - 2)')).toMatch(/modulo by zero/i);
  });

  it('names the offending character and its position', () => {
    const r = evaluate('2 + $');
    expect(r).toMatchObject({ ok: false, position: 4 });
    expect(failure('2 + $')).toMatch(/'\$' at position 5/);
    expect(failure('alert(1)')).toMatch(/Unexpected character 'a'/);
  });

  it('refuses what an eval would have accepted', () => {
    for (const expr of ['Math.PI', 'process.exit()', '1; 2', '[1]', '2 ** 3', '1 == 1']) {
      expect(evaluate(expr).ok, expr).toBe(false);
    }
  });

  it('explains incomplete or malformed expressions', () => {
    expect(failure('')).toMatch(/empty/);
    expect(failure('1 +')).toMatch(/end of expression/);
    expect(failure('(1 + 2')).toMatch(/Missing '\)'/);
    expect(failure('1 + 2)')).toMatch(/Unexpected '\)'/);
    expect(failure('1 2')).toMatch(/Unexpected '2'/);
    expect(failure('1..2')).toMatch(/Unexpected/);
    expect(failure('*3')).toMatch(/Unexpected '\*'/);
  });

  it('rejects non-finite results', () => {
    expect(failure('10 ^ 400')).toMatch(/too large/);
    expect(failure('(-8) ^ (1/3)')).toMatch(/not a real number/);
    expect(failure('0 ^ -1')).toMatch(/too large/);
  });

  it('bounds input size and nesting depth instead of overflowing the stack', () => {
    expect(failure('1+'.repeat(MAX_EXPRESSION_LENGTH) + '1')).toMatch(/too long/);
    expect(failure('('.repeat(MAX_DEPTH + 1) + '1' + ')'.repeat(MAX_DEPTH + 1))).toMatch(/nested too deeply/);
    expect(failure('-'.repeat(MAX_DEPTH + 1) + '1')).toMatch(/nested too deeply/);
    expect(value('('.repeat(50) + '1' + ')'.repeat(50))).toBe(1);
  });
});
