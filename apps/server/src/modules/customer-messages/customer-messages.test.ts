import { describe, expect, it } from 'vitest';
import { DEFAULT_TEXTS, render, unknownVariables } from './customer-messages.js';

describe('customer messages', () => {
  it('fills the variables in and drops the ones without a value', () => {
    expect(render(DEFAULT_TEXTS['pt-BR'].menu, { 'contact.name': 'Maria' })).toBe(
      'Olá Maria! Responda com o número da opção desejada:',
    );
    expect(render(DEFAULT_TEXTS['pt-BR'].menu, {})).toBe('Olá! Responda com o número da opção desejada:');
    expect(render(DEFAULT_TEXTS.es.video_link, { link: 'https://meet.jit.si/x' })).toBe(
      'Únase a la videollamada: https://meet.jit.si/x',
    );
    expect(render(DEFAULT_TEXTS['pt-BR'].queue_position, { 'queue.position': 3, 'queue.wait_minutes': 4 })).toBe(
      'Você é o 3º da fila. Tempo estimado de espera: cerca de 4 min.',
    );
  });

  it('has every text in every language, using only the variables its message offers', () => {
    for (const texts of Object.values(DEFAULT_TEXTS)) {
      for (const [key, text] of Object.entries(texts)) {
        expect(unknownVariables(key as keyof typeof texts, text)).toEqual([]);
      }
    }
    expect(unknownVariables('menu', 'Oi {{agent.nome}}')).toEqual(['agent.nome']);
  });
});
