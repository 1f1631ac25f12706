import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { hasRedisServer, startRedis } from '../helpers/redis.js';

describe.runIf(hasRedisServer())('the test redis-server', () => {
  it('answers on its own port, forgets everything on restart, and is gone after stop', async () => {
    const redis = await startRedis();
    try {
      const client = createClient({ url: redis.url });
      await client.connect();
      await client.set('k', 'v');
      expect(await client.get('k')).toBe('v');
      client.destroy();
      await redis.restart();
      const again = createClient({ url: redis.url });
      await again.connect();
      expect(await again.get('k')).toBeNull();
      again.destroy();
    } finally {
      await redis.stop();
    }
    const late = createClient({ url: redis.url, socket: { reconnectStrategy: false, connectTimeout: 500 } });
    late.on('error', () => undefined);
    await expect(late.connect()).rejects.toThrow();
  });
});
