/**
 * Index keys live under `rmg:idx:<Model>:`. Model keys start with a capital letter and lock keys with
 * `rmg:lock:`, so no index key is a model key, a lock key, or matched by a `<Model>:*` scan.
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
