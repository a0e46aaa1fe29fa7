/**
 * Why a finder, a delete by where or a reindex is refused on a cluster, and what to do instead: the
 * reason and the advice of their NOT_SUPPORTED error.
 */
export const FINDERS_ON_CLUSTER = [
  "a model's index is sharded by slot across every node there, and gathering it is not built",
  'Read by key (node, nodes, all<Model>s(keys:)), delete by key (deleteMany), or serve these from one Redis.',
] as const;
