// TEMPORARY stand-in for the redisbase branch's redis-connection.ts (replaced on merge).
import { Redis } from "ioredis";
export function connectRedis(url: string, _o: { caFile?: string; role: string }): Promise<Redis> {
  return Promise.resolve(new Redis(url, { maxRetriesPerRequest: null }));
}
export async function checkRedisServer(client: Redis, _url: string): Promise<void> {
  await client.ping();
}
