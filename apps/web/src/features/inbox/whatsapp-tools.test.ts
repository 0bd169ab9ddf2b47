import { describe, expect, it } from 'vitest';
import type { WhatsAppTemplateDto } from '@switchboard/contracts';
import { formatRemaining, previewOf, windowOf } from './WhatsAppTools';

describe('the WhatsApp window in the composer', () => {
  const now = Date.parse('2026-12-03T12:00:00Z');

  it('is open until window_expires_at and closed without one', () => {
    expect(windowOf('2026-12-03T15:05:00Z', now)).toEqual({ isOpen: true, remainingMs: 185 * 60_000 });
    expect(windowOf('2026-12-03T11:59:59Z', now)).toEqual({ isOpen: false, remainingMs: 0 });
    expect(windowOf(null, now).isOpen).toBe(false);
  });

  it('counts down in hours and minutes', () => {
    expect(formatRemaining(185 * 60_000)).toBe('3h 05min');
    expect(formatRemaining(12 * 60_000 - 1)).toBe('12min');
    expect(formatRemaining(10_000)).toBe('1min');
  });

  it('previews a template with the values typed so far', () => {
    const template = {
      components: [
        { type: 'HEADER', format: 'TEXT', text: 'Pedido {{1}}' },
        { type: 'BODY', text: 'Olá {{1}}, chega em {{2}}.' },
      ],
    } as unknown as WhatsAppTemplateDto;
    expect(previewOf(template, { 'header.1': '#9', '1': 'Ana' })).toBe('Pedido #9\n\nOlá Ana, chega em {{2}}.');
  });
});
