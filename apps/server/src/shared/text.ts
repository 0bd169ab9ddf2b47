/**
 * Text PostgreSQL can store: no NUL, no lone UTF-16 surrogate (both are refused in `text`
 * columns and would otherwise surface as 500s). API input with either is refused
 * (http/input-text.ts); text a provider sends us is repaired (`cleanText`) instead, since
 * refusing it would make the provider redeliver it for ever.
 */

/** A NUL, a high surrogate not followed by a low one, or a low one not after a high one. */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
const UNCLEAN = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNCLEAN_ALL = new RegExp(UNCLEAN.source, 'g');

export function isCleanText(value: string): boolean {
  return !UNCLEAN.test(value);
}

/**
 * Each NUL and lone surrogate replaced by U+FFFD, then cut to `maxLength` UTF-16 units
 * (never between the halves of a pair). `isRepaired` says whether anything changed.
 */
export function cleanText(value: string, maxLength: number): { text: string; isRepaired: boolean } {
  let text = isCleanText(value) ? value : value.replace(UNCLEAN_ALL, '\ufffd');
  if (text.length > maxLength) {
    const cut = text.slice(0, maxLength);
    text = /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
  }
  return { text, isRepaired: text !== value };
}
