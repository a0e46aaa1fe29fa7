import { describe, expect, it } from 'vitest';
import { COUNTER_SPAN, fencingToken } from '../src/store/fencing-token.js';

const INT64_MAX = 2n ** 63n - 1n;

describe('fencingToken', () => {
  it('is the counter alone on one Redis (epoch 0), as tokens have always been there', () => {
    expect(fencingToken(1, 0)).toBe('1');
    expect(fencingToken(123_456, 0)).toBe('123456');
  });

  it('reads as the epoch followed by 13 digits of counter on a cluster', () => {
    expect(fencingToken(42, 3)).toBe('30000000000042');
    expect(fencingToken(1, 1)).toBe('10000000000001');
  });

  it('orders by epoch first: a promoted replica that lost the last increments still hands out larger tokens', () => {
    // The old primary, epoch 6, counted to 1000 and replicated only up to 990; the replica is promoted with epoch 7.
    const handedOutBeforeFailover = BigInt(fencingToken(1000, 6));
    const firstAfterFailover = BigInt(fencingToken(991, 7));
    expect(firstAfterFailover).toBeGreaterThan(handedOutBeforeFailover);
    expect(BigInt(fencingToken(1001, 6))).toBeGreaterThan(handedOutBeforeFailover);
    // Past a token from the cluster's epoch 0, or from one Redis, every epoch's tokens are larger.
    expect(BigInt(fencingToken(1, 1))).toBeGreaterThan(BigInt(fencingToken(Number(COUNTER_SPAN) - 1, 0)));
  });

  it('stays exact beyond 2^53 and fits a signed 64-bit integer at the documented bounds', () => {
    expect(fencingToken(7, 1_000_000)).toBe('10000000000000000007');
    expect(BigInt(fencingToken(Number(COUNTER_SPAN) - 1, 922_336))).toBeLessThanOrEqual(INT64_MAX);
  });
});
