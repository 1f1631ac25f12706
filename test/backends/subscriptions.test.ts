/**
 * The subscription table of a shared backend connection (backends/subscriptions.ts): the backend hears only a URI's
 * first subscribe and last unsubscribe, a departing client's subscriptions are dropped, and updates reach only a
 * URI's subscribers. The same behaviour end to end is in test/e2e/shared-subscriptions.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { SubscriptionTable } from '../../src/backends/subscriptions.js';

describe('SubscriptionTable', () => {
  it('tells the backend only of the first subscribe and the last unsubscribe of a URI', () => {
    const table = new SubscriptionTable<string>();
    expect(table.add('file:///a', 'alice')).toBe(true);
    expect(table.add('file:///a', 'bob')).toBe(false);
    expect(table.add('file:///a', 'bob')).toBe(false); // twice from one client counts once
    expect([...table.subscribers('file:///a')]).toEqual(['alice', 'bob']);
    expect(table.remove('file:///a', 'alice')).toBe(false);
    expect(table.remove('file:///a', 'carol')).toBe(false); // never subscribed
    expect(table.remove('file:///a', 'bob')).toBe(true);
    expect([...table.subscribers('file:///a')]).toEqual([]);
    expect(table.remove('file:///a', 'bob')).toBe(false);
  });

  it('drops a departing client and returns the URIs left without subscribers', () => {
    const table = new SubscriptionTable<string>();
    table.add('file:///a', 'alice');
    table.add('file:///b', 'alice');
    table.add('file:///b', 'bob');
    expect(table.removePeer('alice')).toEqual(['file:///a']);
    expect([...table.subscribers('file:///b')]).toEqual(['bob']);
    expect(table.removePeer('alice')).toEqual([]);
  });
});
