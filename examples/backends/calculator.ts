/** @module A small recursive-descent arithmetic evaluator for the toolbox's `calculate` tool (never eval). */

/**
 * The outcome of {@link evaluate}: a finite number, or a message a model can act on. `position` is the 0-based index
 * of the offending character (messages show it 1-based, as people count).
 */
export type EvalResult = { ok: true; value: number } | { ok: false; message: string; position?: number };

/** Inputs longer than this are refused before parsing, so a tool call cannot make us burn CPU. */
export const MAX_EXPRESSION_LENGTH = 1000;
/** Parentheses/unary chains deeper than this are refused; recursion would otherwise hit the stack limit. */
export const MAX_DEPTH = 100;

type Token =
  | { kind: 'number'; value: number; pos: number }
  | { kind: 'op'; value: '+' | '-' | '*' | '/' | '%' | '^' | '(' | ')'; pos: number }
  | { kind: 'end'; pos: number };

/** Thrown inside the parser only; {@link evaluate} turns it into an `{ ok: false }` result. */
class CalcError extends Error {
  constructor(
    message: string,
    readonly position?: number,
  ) {
    super(message);
  }
}

const OPERATORS = new Set(['+', '-', '*', '/', '%', '^', '(', ')']);
// Digits with an optional fraction (".5" and "2." are fine) and an optional exponent ("1e-3").
const NUMBER = /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (OPERATORS.has(ch)) {
      tokens.push({ kind: 'op', value: ch as Extract<Token, { kind: 'op' }>['value'], pos: i });
      i++;
      continue;
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(src);
    if (m) {
      tokens.push({ kind: 'number', value: Number(m[0]), pos: i });
      i += m[0].length;
      continue;
    }
    throw new CalcError(
      `Unexpected character '${ch}' at position ${i + 1}. Allowed: numbers, + - * / % ^ and parentheses.`,
      i,
    );
  }
  tokens.push({ kind: 'end', pos: src.length });
  return tokens;
}

/**
 * Grammar (lowest precedence first; `^` is right-associative and binds tighter than unary minus, so -2^2 = -4):
 *   expr    := term (('+' | '-') term)*
 *   term    := unary (('*' | '/' | '%') unary)*
 *   unary   := ('-' | '+') unary | power
 *   power   := primary ('^' unary)?
 *   primary := number | '(' expr ')'
 */
class Parser {
  private i = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): number {
    const value = this.expr();
    const t = this.peek();
    if (t.kind !== 'end') throw this.unexpected(t);
    return value;
  }

  private peek(): Token {
    return this.tokens[this.i]!;
  }

  private isOp(...ops: string[]): boolean {
    const t = this.peek();
    return t.kind === 'op' && ops.includes(t.value);
  }

  private next(): Token {
    return this.tokens[this.i++]!;
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw new CalcError(`Expression is nested too deeply (max ${MAX_DEPTH}).`);
  }

  private unexpected(t: Token): CalcError {
    if (t.kind === 'end') return new CalcError('Unexpected end of expression: an operand is missing.', t.pos);
    const shown = t.kind === 'number' ? String(t.value) : t.value;
    return new CalcError(`Unexpected '${shown}' at position ${t.pos + 1}.`, t.pos);
  }

  private expr(): number {
    let left = this.term();
    while (this.isOp('+', '-')) {
      const op = this.next();
      const right = this.term();
      left = op.kind === 'op' && op.value === '+' ? left + right : left - right;
    }
    return left;
  }

  private term(): number {
    let left = this.unary();
    while (this.isOp('*', '/', '%')) {
      const op = this.next() as Extract<Token, { kind: 'op' }>;
      const right = this.unary();
      if (op.value === '*') {
        left *= right;
      } else if (right === 0) {
        throw new CalcError(
          op.value === '/' ? 'Division by zero.' : 'Modulo by zero (the remainder of x % 0 is undefined).',
          op.pos,
        );
      } else {
        left = op.value === '/' ? left / right : left % right;
      }
    }
    return left;
  }

  private unary(): number {
    if (this.isOp('-', '+')) {
      const op = this.next();
      this.enter();
      const operand = this.unary();
      this.depth--;
      return op.kind === 'op' && op.value === '-' ? -operand : operand;
    }
    return this.power();
  }

  private power(): number {
    const base = this.primary();
    if (!this.isOp('^')) return base;
    this.next();
    this.enter();
    const exponent = this.unary(); // right-associative: 2^3^2 = 2^(3^2)
    this.depth--;
    return base ** exponent;
  }

  private primary(): number {
    const t = this.next();
    if (t.kind === 'number') return t.value;
    if (t.kind === 'op' && t.value === '(') {
      this.enter();
      const value = this.expr();
      this.depth--;
      const close = this.next();
      if (close.kind !== 'op' || close.value !== ')') {
        if (close.kind === 'end')
          throw new CalcError(`Missing ')' for the '(' at position ${t.pos + 1}.`, t.pos);
        throw this.unexpected(close);
      }
      return value;
    }
    throw this.unexpected(t);
  }
}

/**
 * Evaluates an arithmetic expression: + - * / % ^, parentheses, unary minus/plus, decimals and 1e3 notation.
 * Never throws for bad input; a result that is not a finite number (overflow, 0^-1, (-8)^(1/3)) is an error too.
 */
export function evaluate(expression: string): EvalResult {
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    return { ok: false, message: `Expression is too long (max ${MAX_EXPRESSION_LENGTH} characters).` };
  }
  if (expression.trim() === '') return { ok: false, message: 'Expression is empty.' };
  try {
    const value = new Parser(tokenize(expression)).parse();
    if (!Number.isFinite(value)) {
      return {
        ok: false,
        message: Number.isNaN(value)
          ? 'The result is not a real number (e.g. a fractional power of a negative number).'
          : 'The result is too large to represent (overflow to infinity).',
      };
    }
    // -0 prints as "0" in JSON anyway; normalise it so results compare as users expect.
    return { ok: true, value: value === 0 ? 0 : value };
  } catch (err) {
    if (err instanceof CalcError) {
      return err.position === undefined
        ? { ok: false, message: err.message }
        : { ok: false, message: err.message, position: err.position };
    }
    throw err;
  }
}
