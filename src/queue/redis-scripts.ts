/**
 * @module redis-scripts: the two steps of the queue that must not be split. A result is written, the request
 * acknowledged and deleted in one script, and only by the consumer that still holds the entry: a call that a slow
 * replica finished after another had claimed it leaves no second result. The heartbeat keeps an entry this consumer
 * still works on from looking idle, again only while it holds it.
 */

/**
 * KEYS: the request stream, the stream to write to (results or dead letters). ARGV: group, consumer, entry id,
 * the written stream's approximate bound, then the fields to write. Returns 1 when written, 0 when the entry was no
 * longer this consumer's.
 */
export const FINISH_SCRIPT = `
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #pending == 0 or pending[1][2] ~= ARGV[2] then return 0 end
local fields = {}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', unpack(fields))
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('XDEL', KEYS[1], ARGV[3])
return 1
`;

/** KEYS: the request stream. ARGV: group, consumer, then entry ids. Resets the idle time of those still held. */
export const HEARTBEAT_SCRIPT = `
local held = 0
for i = 3, #ARGV do
  local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if #pending > 0 and pending[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    held = held + 1
  end
end
return held
`;
