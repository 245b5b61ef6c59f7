import type { RedisClientType } from "redis";

/**
 * Leases in Redis: `envmon:lease:<name>` holds "<node>|<token>" and expires after the TTL; the
 * token comes from `envmon:lease:<name>:token`, which only grows, so a later holder always has a
 * larger one. One script grants, renews or refuses atomically.
 */
export interface LeaseStore {
  /** The fencing token when this node holds the lease now (granted or renewed), else undefined. */
  acquire(name: string, nodeId: string, ttlMs: number): Promise<number | undefined>;
  /** Gives the lease up if this node holds it (a clean stop hands the work over at once). */
  release(name: string, nodeId: string): Promise<void>;
}

const ACQUIRE = `
local held = redis.call('GET', KEYS[1])
if held then
  local holder, token = string.match(held, '^(.*)|(%d+)$')
  if holder == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return tonumber(token)
  end
  return -1
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'PX', ARGV[2])
return token`;

const RELEASE = `
local held = redis.call('GET', KEYS[1])
if held and string.match(held, '^(.*)|%d+$') == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0`;

const keyOf = (name: string) => `envmon:lease:${name}`;

export function createRedisLeaseStore(client: RedisClientType): LeaseStore {
  return {
    async acquire(name, nodeId, ttlMs) {
      const answer = await client.eval(ACQUIRE, {
        keys: [keyOf(name), `${keyOf(name)}:token`],
        arguments: [nodeId, String(Math.ceil(ttlMs))],
      });
      const token = Number(answer);
      return Number.isSafeInteger(token) && token > 0 ? token : undefined;
    },
    async release(name, nodeId) {
      await client.eval(RELEASE, { keys: [keyOf(name)], arguments: [nodeId] });
    },
  };
}
