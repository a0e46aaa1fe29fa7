import type { Cluster } from 'ioredis';
import { formatKey } from '../../model/keys.js';
import type { FindQuery } from '../indexes/find-query.js';
import { foundItemsOf, type FoundItems } from '../indexes/found-items.js';
import { PURGING } from '../indexes/script-status.js';
import { clusterKeyspace, shardPrefixAround, temporaryPrefixAround } from '../keyspace.js';
import { callRedis } from '../redis-faults.js';
import type { GatewayScripts } from '../scripts.js';
import { parseNodeEstimate, parseNodePage, type NodeFindArgs } from '../scripts/find-on-node.js';
import { mergePages, type PagePart } from './merge-pages.js';
import { primarySlots, type PrimarySlots } from './primary-slots.js';
import { slotTag } from './slot-tags.js';

/** A part that asks the whole page to be refused, with the work it was estimated at. */
type Part = PagePart | { overLimit: number };

/**
 * A finder page on a cluster, whose model's index is sharded by slot over every primary (scatter-gather).
 *
 * 1. Estimate: each primary gets one call of find-on-node.lua that estimates the page's work over its
 *    shards, builds nothing and lists the slots that hold instances. Over the limit in sum: refused,
 *    before anything ran.
 * 2. Page: each primary that holds instances gets one call over those slots, with the work it estimated
 *    plus an even share of what the estimates left under the limit, so that the spend stays within the
 *    limit in sum. It purges, selects, merges its shards' items and fetches the documents of its first
 *    `first`.
 * 3. The parts are merged here (merge-pages.ts), and the TTLs of the page's documents refreshed when the
 *    model asks (read-documents.lua, per slot: only what the page returns is refreshed, as on one Redis).
 *
 * A slot a primary does not serve (the client's map is stale), or is migrating, and a slot the map gives
 * no known primary, is read on its own with find.lua, through the cluster client: the call declares the
 * shard's `@pk` and a temporary set, so ioredis follows MOVED and ASK, and Redis answers TRYAGAIN while
 * the slot migrates (a temporary set is never there yet) instead of failing the script halfway.
 */
export async function findOnCluster(cluster: Cluster, scripts: GatewayScripts, query: FindQuery): Promise<FoundItems> {
  let layout = primarySlots(cluster);
  // No slot map yet (the client is still connecting): wait for one rather than read 16384 slots one by one.
  if (layout.primaries.length === 0) {
    await callRedis(cluster, 'read', () => cluster.ping());
    layout = primarySlots(cluster);
  }
  const prefixAround = shardPrefixAround(query.model.name);
  const temporaryAround = temporaryPrefixAround();
  const call = (mode: NodeFindArgs['mode'], slots: string, limit: number): NodeFindArgs => ({
    mode,
    prefixAround,
    temporaryAround,
    keyPrefix: `${query.model.name}:`,
    slots,
    plan: query.plan,
    order: query.order,
    cursor: query.cursor,
    first: query.first,
    count: query.count,
    limit,
  });

  const estimates = await Promise.all(
    layout.primaries.map(async (primary) => {
      const reply = await scripts.findOnNode(primary.client, call('estimate', slotsOf(primary), 0)).catch(() => null);
      // A node that failed the call (failing over, say) has every slot read on its own, below.
      return { primary, ...(reply === null ? { work: 0, held: '', elsewhere: [...primary.slots] } : parseNodeEstimate(reply)) };
    }),
  );
  const estimated = estimates.reduce((sum, estimate) => sum + estimate.work, 0);
  if (estimated > query.limit) return { refused: true, work: estimated };
  const holding = estimates.filter((estimate) => estimate.held !== '');
  const alone = [...layout.unserved, ...estimates.flatMap((estimate) => estimate.elsewhere)];
  const share = Math.floor((query.limit - estimated) / Math.max(1, holding.length + alone.length));

  const readSlots = async (slots: readonly number[], limit: number): Promise<Part[]> => {
    const each = Math.floor(limit / Math.max(1, slots.length));
    return Promise.all(slots.map((slot) => pageOfSlot(scripts, query, temporaryAround, slot, each)));
  };
  const pageOfNode = async ({ primary, work, held }: (typeof holding)[number]): Promise<Part[]> => {
    const limit = work + share;
    let reply: ReturnType<typeof parseNodePage> | null;
    do {
      const raw = await scripts.findOnNode(primary.client, call('page', held, limit)).catch(() => null);
      reply = raw === null ? null : parseNodePage(raw);
    } while (reply?.reply[0] === PURGING);
    if (reply === null) return readSlots(slotsIn(held), limit);
    const found = foundItemsOf(reply.reply);
    if (found.refused) return [{ overLimit: found.work }];
    return [found, ...(await readSlots(reply.elsewhere, limit - found.work))];
  };
  const parts = (await Promise.all([...holding.map(pageOfNode), readSlots(alone, share * alone.length)])).flat();

  const refusals = parts.flatMap((part) => ('overLimit' in part ? [part.overLimit] : []));
  const done = parts.flatMap((part) => ('overLimit' in part ? [] : [part]));
  if (refusals.length > 0) return { refused: true, work: done.reduce((sum, part) => sum + part.work, 0) + Math.max(...refusals) };
  const page = mergePages(done, query.first, query.kind, query.direction);
  if (query.refresh > 0) await refreshTtls(scripts, query, page.items);
  return { refused: false, work: page.work, count: query.count ? page.count : null, hasNextPage: page.hasNextPage, items: page.items };
}

/** `<slot>:<tag>` per slot, made once per process: a page names some 16384 of them. */
const slotEntries: string[] = [];
const slotsOf = ({ slots }: PrimarySlots) => slots.map((slot) => (slotEntries[slot] ??= `${slot}:${slotTag(slot)}`)).join(',');
const slotsIn = (held: string) => held.split(',').map((entry) => Number(entry.split(':')[0]));

/** find.lua on one slot's shard, through the cluster client; TTLs read, refreshed once the page is merged. */
async function pageOfSlot(
  scripts: GatewayScripts,
  query: FindQuery,
  [temporaryBefore, temporaryAfter]: readonly [string, string],
  slot: number,
  limit: number,
): Promise<Part> {
  const [before, after] = shardPrefixAround(query.model.name);
  const prefix = `${before}${slotTag(slot)}${after}`;
  const temporary = `${temporaryBefore}${slotTag(slot)}${temporaryAfter}`;
  const args = [
    prefix,
    `${query.model.name}:`,
    temporary,
    query.plan,
    query.order,
    query.cursor,
    String(query.first),
    query.count ? '1' : '0',
    '0',
    String(limit),
  ];
  let reply: Array<string | number | null>;
  do reply = await scripts.find(args, [`${prefix}@pk`, `${temporary}1`]);
  while (reply[0] === PURGING);
  const found = foundItemsOf(reply);
  return found.refused ? { overLimit: found.work } : found;
}

/** Resets the TTL of each document the page returns, and its `@expiry` entry, as a read by key does. */
async function refreshTtls(scripts: GatewayScripts, query: FindQuery, items: PagePart['items']): Promise<void> {
  const present = items.filter((item) => item.document !== null);
  const reads = present.map(({ pk }) => {
    const key = formatKey(query.model.name, pk);
    return { key, refreshSeconds: query.refresh, indexPrefix: clusterKeyspace.indexPrefix(query.model.name, key), pk };
  });
  if (reads.length === 0) return;
  const replies = await scripts.readDocuments(reads, true);
  present.forEach((item, i) => {
    const [document, ttl] = replies[i] ?? [null, -2];
    // Deleted since the page was read: no edge, as for a document gone behind the gateway's back.
    item.document = document;
    item.ttl = ttl;
  });
}
