/** The media types of Yoga's regular (non-streamed) results, in the order Yoga tries them. */
const REGULAR = ['application/graphql-response+json', 'application/json'] as const;

export type RegularMediaType = (typeof REGULAR)[number];

const known = new Map<string, RegularMediaType | null>();

/**
 * The media type Yoga answers a single result with for this Accept header, or null when it would not use
 * a regular JSON result (only streams accepted, or nothing acceptable). Yoga walks the accepted types
 * last to first and lets the last match win; its regular processor is tried after the streaming ones, so
 * whenever it matches at all it is the one used. Only utf-8 is accepted, as there.
 * Cached per header text: clients send one or two.
 */
export function responseMediaType(accept: string | undefined): RegularMediaType | null {
  const header = accept ?? '*/*';
  let chosen = known.get(header);
  if (chosen !== undefined) return chosen;
  chosen = null;
  const asked = (header || '*/*')
    .replace(/\s/g, '')
    .toLowerCase()
    .split(',')
    .flatMap((each) => {
      const [mediaType, ...params] = each.split(';');
      const charset = params.find((param) => param.includes('charset=')) ?? 'charset=utf-8';
      return mediaType !== undefined && charset === 'charset=utf-8' ? [mediaType] : [];
    })
    .reverse();
  for (const mediaType of asked) for (const regular of REGULAR) if (matches(mediaType, regular)) chosen = regular;
  // A bounded cache: a client that varies the header forever only stops being cached.
  if (known.size < 64) known.set(header, chosen);
  return chosen;
}

function matches(asked: string, offered: string): boolean {
  const [askedType, askedSubtype] = asked.split('/');
  const [type, subtype] = offered.split('/');
  return (askedType === '*' || askedType === type) && (askedSubtype === '*' || askedSubtype === subtype);
}
