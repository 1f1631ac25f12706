/** A call's cancellation: once, heard at once by its listener, followed from an AbortSignal. */
import { describe, expect, it } from 'vitest';
import { Cancellation } from '../../src/cancellation.js';

describe('Cancellation', () => {
  it('tells its listener once, with the first reason', () => {
    const c = new Cancellation();
    const heard: string[] = [];
    c.onCancel((reason) => heard.push(reason));
    c.cancel('first');
    c.cancel('second');
    expect(heard).toEqual(['first']);
    expect(c.cancelled).toBe(true);
    expect(c.reason).toBe('first');
  });

  it('tells a listener added after the fact at once; a removed one never', () => {
    const c = new Cancellation();
    const heard: string[] = [];
    const stop = c.onCancel((reason) => heard.push(`removed ${reason}`));
    stop();
    c.cancel('why');
    c.onCancel((reason) => heard.push(`late ${reason}`));
    expect(heard).toEqual(['late why']);
  });

  it('follows an AbortSignal, before and after it aborts', () => {
    const later = new AbortController();
    const following = Cancellation.following(later.signal, 'fallback');
    expect(following.cancelled).toBe(false);
    later.abort('client said stop');
    expect(following.reason).toBe('client said stop');
    expect(Cancellation.following(AbortSignal.abort('already'), 'fallback').reason).toBe('already');
  });
});
