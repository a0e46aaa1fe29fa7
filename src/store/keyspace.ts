import { randomBytes } from 'node:crypto';

/*
 * Every key the gateway keeps beside the documents, in one place. All of them start with `rmg:`; model
 * names start with a capital letter, so no gateway key is a model key or matched by a `<Model>:*` scan.
 * These names are stored data: changing a byte of one orphans what existing deployments hold.
 */

/**
 * Index keys live under `rmg:idx:<Model>:`. Lock keys start with `rmg:lock:`, so no index key is a lock key.
 *
 * | key | type | holds |
 * | --- | --- | --- |
 * | `rmg:idx:<Model>:@pk` | sorted set, all scores 0 | every indexed instance's pk (pk order by lex) |
 * | `rmg:idx:<Model>:@expiry` | sorted set | pk scored by when its key expires (ms); purged at the start of each finder |
 * | `rmg:idx:<Model>:@entries` | hash | pk: the JSON list of its index entries, to remove them on the next write |
 * | `rmg:idx:<Model>:@meta` | hash | `fields`: the index definition the stored index was built with |
 * | `rmg:idx:<Model>:<field>` | sorted set | numbers, booleans, dates and enums (by rank): pk scored by value; strings: `<value>\0\0<pk>`, scores 0 |
 * | `rmg:idx:<Model>:<field>:@null` | sorted set, all scores 0 | pks whose value of the field is null or absent |
 */
export const indexPrefix = (modelName: string) => `rmg:idx:${modelName}:`;

/**
 * `rmg:lock:<action>:<key>`. An action has no colon, so the first colon after the prefix ends it and no
 * two (key, action) pairs share a lock key.
 */
export const lockKeyOf = (key: string, action: string) => `rmg:lock:${action}:${key}`;

/** The counter every lock acquisition increments: its value is the lease's fencing token. */
export const FENCE_KEY = 'rmg:fence';

/**
 * A fresh prefix for the sets one finder or delete script builds while it runs and deletes before it
 * returns; random, so that two scripts never share one even if a script dies before cleaning up.
 */
export const temporaryPrefix = () => `rmg:tmp:${randomBytes(8).toString('hex')}:`;
