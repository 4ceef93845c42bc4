// TEMPORARY stand-in for the redisbase branch's redis-url.ts (replaced on merge).
export function describeRedisUrl(url: string): string {
  return url.replace(/\/\/[^@]*@/, "//");
}
