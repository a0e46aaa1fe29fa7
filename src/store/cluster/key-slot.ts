/** Redis Cluster's hash slots: keys are spread over 16384 of them. */
export const SLOT_COUNT = 16384;

/** CRC16-XMODEM (polynomial 0x1021, initial value 0), the checksum Redis Cluster hashes keys with. */
const CRC_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
    table[byte] = crc & 0xffff;
  }
  return table;
})();

/** The CRC of `crc`'s input followed by `byte`: lets callers hash a common prefix once. */
export const crc16Step = (crc: number, byte: number) => ((crc << 8) & 0xffff) ^ (CRC_TABLE[((crc >> 8) ^ byte) & 0xff] as number);

export function crc16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = crc16Step(crc, bytes[i] as number);
  return crc;
}

const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }

/**
 * The slot Redis Cluster serves `key` from, by the cluster spec's hash-tag rule: when the key holds a `{`
 * followed later by a `}` with at least one byte between them, only the bytes between the first `{` and
 * the first `}` after it are hashed; otherwise the whole key is. Computed on the key's UTF-8 bytes, as
 * Redis sees them (the braces are ASCII, so no multibyte character is ever split).
 */
export function keySlot(key: string | Uint8Array): number {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  const open = bytes.indexOf(OPEN);
  if (open !== -1) {
    const close = bytes.indexOf(CLOSE, open + 1);
    if (close > open + 1) return crc16(bytes, open + 1, close) % SLOT_COUNT;
  }
  return crc16(bytes) % SLOT_COUNT;
}
