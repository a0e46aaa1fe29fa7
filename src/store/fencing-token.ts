/**
 * How many counter values fit under one epoch: a token is `epoch × 10^13 + counter`, so that it reads as
 * the epoch followed by 13 digits of counter and orders by epoch first. 10^13 acquisitions of one slot is
 * some 30 years at 10,000 a second; tokens fit a signed 64-bit integer while the epoch is below 922,337.
 */
export const COUNTER_SPAN = 10n ** 13n;

/**
 * The fencing token of an acquisition, as a decimal string: the counter alone on one Redis (epoch 0),
 * `epoch × 10^13 + counter` on a cluster. A counter increment that the old primary never replicated is
 * lost in a failover, and the promoted replica counts again from below it; but the promoted replica has
 * a higher config epoch, so its tokens are larger than any the old primary handed out. Within one epoch
 * the counter grows; across epochs the epoch does; so a key's tokens only increase.
 */
export function fencingToken(counter: number, epoch: number): string {
  if (epoch === 0) return String(counter);
  return String(BigInt(epoch) * COUNTER_SPAN + BigInt(counter));
}
