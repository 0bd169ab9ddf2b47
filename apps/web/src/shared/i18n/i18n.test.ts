import { describe, expect, it } from 'vitest';
import { detectLocale, formatDuration, translate } from './i18n';
import { en } from './messages-en';
import { ptBR } from './messages-pt-br';

describe('i18n', () => {
  it('follows the browser: Portuguese for any pt, English otherwise', () => {
    expect(detectLocale(['pt-BR', 'en'])).toBe('pt-BR');
    expect(detectLocale(['pt-PT'])).toBe('pt-BR');
    expect(detectLocale(['de-DE', 'en-GB'])).toBe('en');
    expect(detectLocale(['fr'])).toBe('en');
    expect(detectLocale([])).toBe('en');
  });

  it('has every message in Portuguese, with the same placeholders', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(ptBR[key], key).toBeTruthy();
      const names = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(names(ptBR[key]), key).toEqual(names(en[key]));
    }
  });

  it('fills in values', () => {
    expect(translate('pt-BR', 'softphone.dialing', { number: '1002' })).toBe(
      'Ligando para 1002: seu telefone toca primeiro e atende sozinho.',
    );
    expect(translate('en', 'inbox.unread', { count: 3 })).toBe('3 unread');
  });

  it('formats call durations', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(65.9)).toBe('1:05');
    expect(formatDuration(3723)).toBe('1:02:03');
    expect(formatDuration(-5)).toBe('0:00');
  });
});
