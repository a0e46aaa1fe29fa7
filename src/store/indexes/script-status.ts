/** The first value of a finder or delete-step script's reply (see lua/find.lua and lua/delete-where.lua). */
export const DONE = 0;
/** The estimated work is over the limit: nothing was built or changed. */
export const REFUSED = 1;
/** Expired index entries are still due after a bounded purge step: call the script again. */
export const PURGING = 2;
/** A cluster node does not serve the slot settled (it moved, or is migrating): nothing was done there. */
export const ELSEWHERE = 3;
