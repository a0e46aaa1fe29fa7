import type { Redis } from 'ioredis';
import { DELETE_WHERE, FIND } from './indexes/find-script.js';
import { INDEX_LIBRARY } from './indexes/index-library.js';
import { guardScripts } from './redis-faults.js';

/*
 * Lua runs inside Redis atomically. These scripts only move document texts around: they never decode
 * and re-encode a document, since Redis's cjson turns [] into {} and rounds integers above 2^53.
 */

/**
 * KEYS: document keys. ARGV[1]: "1" to return each key's remaining TTL; then three per key: seconds to
 * reset its TTL to after reading it ("0" to leave it), its model's index prefix and its pk.
 * Returns {document or nil, ttl} per key (ttl -2: not asked).
 * A refreshed key's `@expiry` entry is set to its new expiry: the finders' purge needs every score to
 * be no later than the key's real expiry, and a refresh may shorten a TTL that setTtl made longer.
 * A key holding another Redis type reads as missing, as it does through MGET.
 */
const READ_DOCUMENTS = `
local wantTtl = ARGV[1] == '1'
local out = {}
local now = nil
for i, key in ipairs(KEYS) do
  local doc = redis.pcall('GET', key)
  if type(doc) == 'table' then doc = false end
  local ttl = -2
  if doc then
    local refresh = tonumber(ARGV[3 * i - 1])
    if refresh > 0 then
      if not now then
        local time = redis.call('TIME')
        now = time[1] * 1000 + math.floor(time[2] / 1000)
      end
      redis.call('EXPIRE', key, refresh)
      redis.call('ZADD', ARGV[3 * i] .. '@expiry', now + refresh * 1000, ARGV[3 * i + 1])
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
 * The one script every write of the gateway goes through.
 * KEYS: n document keys, then m lock keys. ARGV[1] = n, ARGV[2] = m; then seven per document: what it
 * must be before the write ("any", "absent", or "sha1:<hex>" of its current text), the new document,
 * the model's ttl in seconds ("0": none), "1" when writes reset the TTL ("0": keep what is left, as
 * EXPIRE NX), the model's index prefix, the pk, and its index entries (JSON); then one per lock: the
 * value its holder set.
 * Every check runs before the first write, and SET, EXPIRE, ZADD, ZREM, HSET and HDEL cannot fail on
 * keys of their types, so the script writes all or nothing, document and index together. The shebang
 * makes Redis refuse it whole, before it starts, when memory is full.
 * Returns {0, ttl...} when written (ttl -1: none), or {status, i}: 1 document i exists, 2 lock i is no
 * longer held, 3 document i changed since it was read, 4 document i is gone.
 */
const WRITE_DOCUMENTS = `#!lua
${INDEX_LIBRARY}
local n, m = tonumber(ARGV[1]), tonumber(ARGV[2])
local A = 7
for j = 1, m do
  if redis.call('GET', KEYS[n + j]) ~= ARGV[2 + A * n + j] then return {2, j} end
end
for i = 1, n do
  local expect = ARGV[2 + A * (i - 1) + 1]
  if expect == 'absent' then
    if redis.call('EXISTS', KEYS[i]) == 1 then return {1, i} end
  elseif expect ~= 'any' then
    local current = redis.call('GET', KEYS[i])
    if not current then return {4, i} end
    if 'sha1:' .. redis.sha1hex(current) ~= expect then return {3, i} end
  end
end
local now = nowMs()
local out = {0}
for i = 1, n do
  local base = 2 + A * (i - 1)
  local key, doc, ttl, refresh = KEYS[i], ARGV[base + 2], tonumber(ARGV[base + 3]), ARGV[base + 4] == '1'
  local expiresAt = 0
  if ttl == 0 then
    redis.call('SET', key, doc)
    out[i + 1] = -1
  elseif refresh then
    redis.call('SET', key, doc, 'EX', ttl)
    out[i + 1] = ttl
    expiresAt = now + ttl * 1000
  else
    redis.call('SET', key, doc, 'KEEPTTL')
    redis.call('EXPIRE', key, ttl, 'NX')
    out[i + 1] = redis.call('TTL', key)
    expiresAt = now + redis.call('PTTL', key)
  end
  index(ARGV[base + 5], ARGV[base + 6], ARGV[base + 7], expiresAt)
end
return out
`;

/**
 * KEYS: document keys. ARGV: two per key, the model's index prefix and the pk.
 * Deletes each existing key with its index entries; returns 1 or 0 per key.
 */
const DELETE_DOCUMENTS = `#!lua
${INDEX_LIBRARY}
local out = {}
for i, key in ipairs(KEYS) do
  out[i] = redis.call('DEL', key)
  unindex(ARGV[2 * i - 1], ARGV[2 * i])
end
return out
`;

/**
 * KEYS[1]: a document. ARGV: its index prefix, pk, and the seconds to live ("0": no expiry).
 * Returns {TTL after the change (-1: none), document}, or {-2} when the key is missing.
 */
const SET_TTL = `#!lua
local doc = redis.call('GET', KEYS[1])
if not doc then return {-2} end
local prefix, pk, seconds = ARGV[1], ARGV[2], tonumber(ARGV[3])
if seconds == 0 then
  redis.call('PERSIST', KEYS[1])
  redis.call('ZREM', prefix .. '@expiry', pk)
  return {-1, doc}
end
redis.call('EXPIRE', KEYS[1], seconds)
local now = redis.call('TIME')
redis.call('ZADD', prefix .. '@expiry', now[1] * 1000 + math.floor(now[2] / 1000) + seconds * 1000, pk)
return {seconds, doc}
`;

/**
 * KEYS: documents. ARGV[1]: the index prefix; then three per key: pk, SHA-1 of the text just read,
 * its index entries, or "" for a document that does not decode, which is taken out of the indexes.
 * Acts on each document only if it is still that text (a newer write indexed itself); returns
 * {how many it indexed, {the pks it took out}}.
 */
const REINDEX_BATCH = `#!lua
${INDEX_LIBRARY}
local prefix, indexed, removed, now = ARGV[1], 0, {}, nowMs()
for i, key in ipairs(KEYS) do
  local pk, sha, entries = ARGV[3 * i - 1], ARGV[3 * i], ARGV[3 * i + 1]
  local text = redis.call('GET', key)
  if text and redis.sha1hex(text) == sha then
    if entries == '' then
      unindex(prefix, pk)
      removed[#removed + 1] = pk
    else
      local pttl = redis.call('PTTL', key)
      index(prefix, pk, entries, pttl > 0 and now + pttl or 0)
      indexed = indexed + 1
    end
  end
end
return {indexed, removed}
`;

/** ARGV: index prefix, key prefix, then pks. Removes the entries of pks whose document is gone; returns how many. */
const UNINDEX_MISSING = `#!lua
${INDEX_LIBRARY}
local count = 0
for i = 3, #ARGV do
  if redis.call('EXISTS', ARGV[2] .. ARGV[i]) == 0 then
    unindex(ARGV[1], ARGV[i])
    count = count + 1
  end
end
return count
`;

/**
 * KEYS[1]: the lock, KEYS[2]: the fencing counter. ARGV: the holder's value, the lease in ms.
 * Takes the lock if it is free and returns {fencing token, server time in ms}; else {0, pttl left}.
 */
const ACQUIRE_LOCK = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local now = redis.call('TIME')
  return {redis.call('INCR', KEYS[2]), now[1] * 1000 + math.floor(now[2] / 1000)}
end
return {0, redis.call('PTTL', KEYS[1])}
`;

/** KEYS[1]: the lock. ARGV: the holder's value, the new lease in ms. Returns the server time in ms, or 0 when not held. */
const EXTEND_LOCK = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local now = redis.call('TIME')
return now[1] * 1000 + math.floor(now[2] / 1000)
`;

/** KEYS[1]: the lock. ARGV[1]: the holder's value. Deletes it only for its holder; returns 1 if it was held. */
const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
`;

type ReadReply = Array<[string | null, number]>;
type WriteReply = number[];

export interface GatewayScripts {
  readDocuments(keys: readonly string[], args: readonly string[]): Promise<ReadReply>;
  writeDocuments(keys: readonly string[], args: readonly string[]): Promise<WriteReply>;
  deleteDocuments(keys: readonly string[], args: readonly string[]): Promise<number[]>;
  find(args: readonly string[]): Promise<Array<string | number | null>>;
  reindexBatch(keys: readonly string[], args: readonly string[]): Promise<[indexed: number, removedPks: string[]]>;
  unindexMissing(args: readonly string[]): Promise<number>;
  deleteWhere(args: readonly string[]): Promise<number[]>;
  setTtl(key: string, prefix: string, pk: string, seconds: number): Promise<[number, string?]>;
  acquireLock(lockKey: string, fenceKey: string, value: string, leaseMs: number): Promise<[number, number]>;
  extendLock(lockKey: string, value: string, leaseMs: number): Promise<number>;
  releaseLock(lockKey: string, value: string): Promise<number>;
}

interface ScriptCommands {
  rmgReadDocuments(numberOfKeys: number, ...keysAndArgs: string[]): Promise<ReadReply>;
  rmgWriteDocuments(numberOfKeys: number, ...keysAndArgs: string[]): Promise<WriteReply>;
  rmgDeleteDocuments(numberOfKeys: number, ...keysAndArgs: string[]): Promise<number[]>;
  rmgFind(numberOfKeys: 0, ...args: string[]): Promise<Array<string | number | null>>;
  rmgReindexBatch(numberOfKeys: number, ...keysAndArgs: string[]): Promise<[number, string[]]>;
  rmgUnindexMissing(numberOfKeys: 0, ...args: string[]): Promise<number>;
  rmgDeleteWhere(numberOfKeys: 0, ...args: string[]): Promise<number[]>;
  rmgSetTtl(numberOfKeys: 1, key: string, prefix: string, pk: string, seconds: string): Promise<[number, string?]>;
  rmgAcquireLock(numberOfKeys: 2, lockKey: string, fenceKey: string, value: string, leaseMs: string): Promise<[number, number]>;
  rmgExtendLock(numberOfKeys: 1, lockKey: string, value: string, leaseMs: string): Promise<number>;
  rmgReleaseLock(numberOfKeys: 1, lockKey: string, value: string): Promise<number>;
}

/**
 * Registers the scripts on the client: ioredis then sends EVALSHA and falls back to EVAL once after a NOSCRIPT.
 * Each call's failures for want of Redis come out as REDIS_UNAVAILABLE or WRITE_OUTCOME_UNKNOWN (redis-faults.ts).
 */
export function gatewayScripts(redis: Redis): GatewayScripts {
  redis.defineCommand('rmgReadDocuments', { lua: READ_DOCUMENTS });
  redis.defineCommand('rmgWriteDocuments', { lua: WRITE_DOCUMENTS });
  redis.defineCommand('rmgDeleteDocuments', { lua: DELETE_DOCUMENTS });
  redis.defineCommand('rmgSetTtl', { lua: SET_TTL });
  redis.defineCommand('rmgFind', { lua: FIND });
  redis.defineCommand('rmgReindexBatch', { lua: REINDEX_BATCH });
  redis.defineCommand('rmgUnindexMissing', { lua: UNINDEX_MISSING });
  redis.defineCommand('rmgDeleteWhere', { lua: DELETE_WHERE });
  redis.defineCommand('rmgAcquireLock', { lua: ACQUIRE_LOCK });
  redis.defineCommand('rmgExtendLock', { lua: EXTEND_LOCK });
  redis.defineCommand('rmgReleaseLock', { lua: RELEASE_LOCK });
  const commands = redis as unknown as ScriptCommands;
  return guardScripts(redis, {
    readDocuments: (keys, args) => commands.rmgReadDocuments(keys.length, ...keys, ...args),
    writeDocuments: (keys, args) => commands.rmgWriteDocuments(keys.length, ...keys, ...args),
    deleteDocuments: (keys, args) => commands.rmgDeleteDocuments(keys.length, ...keys, ...args),
    find: (args) => commands.rmgFind(0, ...args),
    reindexBatch: (keys, args) => commands.rmgReindexBatch(keys.length, ...keys, ...args),
    unindexMissing: (args) => commands.rmgUnindexMissing(0, ...args),
    deleteWhere: (args) => commands.rmgDeleteWhere(0, ...args),
    setTtl: (key, prefix, pk, seconds) => commands.rmgSetTtl(1, key, prefix, pk, String(seconds)),
    acquireLock: (lockKey, fenceKey, value, leaseMs) => commands.rmgAcquireLock(2, lockKey, fenceKey, value, String(leaseMs)),
    extendLock: (lockKey, value, leaseMs) => commands.rmgExtendLock(1, lockKey, value, String(leaseMs)),
    releaseLock: (lockKey, value) => commands.rmgReleaseLock(1, lockKey, value),
  });
}
