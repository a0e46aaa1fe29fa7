import type { Cluster } from 'ioredis';
import { formatKey } from '../../model/keys.js';
import type { FindQuery } from '../indexes/find-query.js';
import { foundItemsOf, type FoundItems } from '../indexes/found-items.js';
import { PURGING } from '../indexes/script-status.js';
import { clusterKeyspace, shardPrefixAround, temporaryPrefixAround } from '../keyspace.js';
import type { GatewayScripts } from '../scripts.js';
import { parseNodeEstimate, parseNodePage, type NodeFindArgs } from '../scripts/find-on-node.js';
import { mergePages, type PagePart } from './merge-pages.js';
import { knownPrimarySlots } from './primaries-of.js';
import { primarySlots, type PrimarySlots } from './primary-slots.js';
import { slotTag } from './slot-tags.js';

/** A part that asks the whole page to be refused, with the work it was estimated at. */
interface Refusal {
  overLimit: number;
}
type Part = PagePart | Refusal;

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
 * no known primary, is estimated and read on its own with find.lua, through the cluster client: the call
 * declares the shard's `@pk` and a temporary set, so ioredis follows MOVED and ASK, and Redis answers
 * TRYAGAIN while the slot migrates (a temporary set is never there yet) instead of failing the script
 * halfway. A primary that fails its call fails the page (REDIS_UNAVAILABLE): reading its thousands of
 * slots one by one instead would cost more than a page may.
 */
export async function findOnCluster(cluster: Cluster, scripts: GatewayScripts, query: FindQuery): Promise<FoundItems> {
  let layout = await knownPrimarySlots(cluster);
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

  const estimate = (primaries: readonly PrimarySlots[]) =>
    Promise.all(
      primaries.map(async (primary) => ({
        primary,
        ...parseNodeEstimate(await scripts.findOnNode(primary.client, call('estimate', slotsOf(primary), 0))),
      })),
    );
  let estimates = await estimate(layout.primaries);
  // Slots the map places wrong (it is stale, or was read from a node whose gossip is behind): read the
  // map again once, since reading thousands of slots one by one would cost more than a page may.
  if (layout.unserved.length > 0 || estimates.some(({ elsewhere }) => elsewhere.length > 0)) {
    await new Promise<void>((resolve) => cluster.refreshSlotsCache(() => resolve()));
    layout = primarySlots(cluster);
    estimates = await estimate(layout.primaries);
  }
  // Slots no primary of the map serves here: each estimated on its own (find.lua refuses a limit of -1
  // after its estimate, building nothing), which follows redirections and waits out migrations.
  const alone = [...layout.unserved, ...estimates.flatMap((estimate) => estimate.elsewhere)];
  const aloneWork = await Promise.all(
    alone.map(async (slot) => ((await onSlot(scripts, query, temporaryAround, slot, -1)) as Refusal).overLimit),
  );
  const estimated = [...estimates.map((estimate) => estimate.work), ...aloneWork].reduce((sum, work) => sum + work, 0);
  if (estimated > query.limit) return { refused: true, work: estimated };
  const holding = estimates.filter((estimate) => estimate.held !== '');
  const share = Math.floor((query.limit - estimated) / Math.max(1, holding.length + alone.length));

  const pageOfNode = async ({ primary, work, held }: (typeof holding)[number]): Promise<Part[]> => {
    let reply: ReturnType<typeof parseNodePage>;
    do reply = parseNodePage(await scripts.findOnNode(primary.client, call('page', held, work + share)));
    while (reply.reply[0] === PURGING);
    const found = foundItemsOf(reply.reply);
    if (found.refused) return [{ overLimit: found.work }];
    // A slot that moved between the estimate and the page: what the node's share left, split among them.
    const each = Math.floor((work + share - found.work) / Math.max(1, reply.elsewhere.length));
    return [found, ...(await Promise.all(reply.elsewhere.map((slot) => onSlot(scripts, query, temporaryAround, slot, each))))];
  };
  const parts = (
    await Promise.all([
      ...holding.map(pageOfNode),
      Promise.all(alone.map((slot, i) => onSlot(scripts, query, temporaryAround, slot, (aloneWork[i] ?? 0) + share))),
    ])
  ).flat();

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

/**
 * find.lua on one slot's shard, through the cluster client; TTLs read, refreshed once the page is merged.
 * A limit of -1 asks for the estimate alone.
 */
async function onSlot(
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
