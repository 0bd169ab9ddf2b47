import { describe, expect, it } from 'vitest';
import { insertAt, renderPreview, unknownPlaceholders, variableName } from './customer-messages-model';

describe('customer messages model', () => {
  it('renders the sample values in, and leaves out a variable without one with the space before it', () => {
    expect(
      renderPreview('Olá {{contact.name}}! Fila: {{ queue.position }}', {
        'contact.name': 'Maria',
        'queue.position': 3,
      }),
    ).toBe('Olá Maria! Fila: 3');
    expect(renderPreview('Olá {{contact.name}}!', {})).toBe('Olá!');
  });

  it('inserts a variable in place of the selection and puts the caret after it', () => {
    expect(insertAt('Olá !', '{{contact.name}}', 4, 4)).toEqual({ text: 'Olá {{contact.name}}!', caret: 20 });
    expect(insertAt('Olá XX!', '{{agent.name}}', 4, 6)).toEqual({ text: 'Olá {{agent.name}}!', caret: 18 });
    expect(insertAt('abc', '{{link}}', 99, 99)).toEqual({ text: 'abc{{link}}', caret: 11 });
  });

  it('names the placeholders a message does not offer', () => {
    expect(variableName('{{contact.name}}')).toBe('contact.name');
    expect(unknownPlaceholders('{{link}} {{agent.nome}}', ['{{link}}', '{{agent.name}}'])).toEqual(['agent.nome']);
  });
});
