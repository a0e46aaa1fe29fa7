import type { Redis } from 'ioredis';

/*
 * Lua runs inside Redis atomically. These scripts only move document texts around: they never decode
 * and re-encode a document, since Redis's cjson turns [] into {} and rounds integers above 2^53.
 */

/**
 * KEYS: document keys. ARGV[1]: "1" to return each key's remaining TTL. ARGV[1 + i]: seconds to reset
 * key i's TTL to after reading it, "0" to leave it. Returns {document or nil, ttl} per key (ttl -2: not asked).
 * A key holding another Redis type reads as missing, as it does through MGET.
 */
const READ_DOCUMENTS = `
local wantTtl = ARGV[1] == '1'
local out = {}
for i, key in ipairs(KEYS) do
  local doc = redis.pcall('GET', key)
  if type(doc) == 'table' then doc = false end
  local ttl = -2
  if doc then
    local refresh = tonumber(ARGV[i + 1])
    if refresh > 0 then
      redis.call('EXPIRE', key, refresh)
      ttl = refresh
    elseif wantTtl then
      ttl = redis.call('TTL', key)
    end
  end
  out[i] = {doc, ttl}
end
return out
`;

/**
 * KEYS: document keys. ARGV[1]: "FAIL" or "OVERWRITE"; then three per key: the document, the model's
 * ttl in seconds ("0": none) and "1" when writes reset the TTL ("0": keep what is left, as EXPIRE NX).
 * Every check runs before the first write, and SET and EXPIRE cannot fail on a key, so the script
 * writes all or nothing. The shebang makes Redis refuse it whole, before it starts, when memory is full.
 * Returns {0, i} when key i exists under FAIL, else {1, ttl of each key} (-1: none).
 */
const WRITE_DOCUMENTS = `#!lua
if ARGV[1] == 'FAIL' then
  for i, key in ipairs(KEYS) do
    if redis.call('EXISTS', key) == 1 then return {0, i} end
  end
end
local out = {1}
for i, key in ipairs(KEYS) do
  local doc, ttl, refresh = ARGV[3 * i - 1], tonumber(ARGV[3 * i]), ARGV[3 * i + 1] == '1'
  if ttl == 0 then
    redis.call('SET', key, doc)
    out[i + 1] = -1
  elseif refresh then
    redis.call('SET', key, doc, 'EX', ttl)
    out[i + 1] = ttl
  else
    redis.call('SET', key, doc, 'KEEPTTL')
    redis.call('EXPIRE', key, ttl, 'NX')
    out[i + 1] = redis.call('TTL', key)
  end
end
return out
`;

type ReadReply = Array<[string | null, number]>;
type WriteReply = number[];

export interface GatewayScripts {
  readDocuments(keys: readonly string[], args: readonly string[]): Promise<ReadReply>;
  writeDocuments(keys: readonly string[], args: readonly string[]): Promise<WriteReply>;
}

interface ScriptCommands {
  rmgReadDocuments(numberOfKeys: number, ...keysAndArgs: string[]): Promise<ReadReply>;
  rmgWriteDocuments(numberOfKeys: number, ...keysAndArgs: string[]): Promise<WriteReply>;
}

/** Registers the scripts on the client: ioredis then sends EVALSHA and falls back to EVAL once after a NOSCRIPT. */
export function gatewayScripts(redis: Redis): GatewayScripts {
  redis.defineCommand('rmgReadDocuments', { lua: READ_DOCUMENTS });
  redis.defineCommand('rmgWriteDocuments', { lua: WRITE_DOCUMENTS });
  const commands = redis as unknown as ScriptCommands;
  return {
    readDocuments: (keys, args) => commands.rmgReadDocuments(keys.length, ...keys, ...args),
    writeDocuments: (keys, args) => commands.rmgWriteDocuments(keys.length, ...keys, ...args),
  };
}
