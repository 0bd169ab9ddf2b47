import { describe, expect, it } from 'vitest';
import { cleanText, isCleanText } from './text.js';

describe('text PostgreSQL can store', () => {
  it('finds NULs and unpaired surrogates, and accepts pairs', () => {
    expect(isCleanText('Olá 😀')).toBe(true);
    expect(isCleanText('a\u0000b')).toBe(false);
    expect(isCleanText('a\ud800')).toBe(false);
    expect(isCleanText('\udc00a')).toBe(false);
    expect(isCleanText('\ud83d\ude00\ude00')).toBe(false);
  });

  it('replaces what is unclean with U+FFFD and cuts to a bound without splitting a pair', () => {
    expect(cleanText('a\u0000b\ud800', 100)).toEqual({ text: 'a\ufffdb\ufffd', isRepaired: true });
    expect(cleanText('ab😀', 3)).toEqual({ text: 'ab', isRepaired: true });
    expect(cleanText('abc', 3)).toEqual({ text: 'abc', isRepaired: false });
  });
});
