import { describe, expect, it } from 'vitest';
import { UnprocessableError } from '../../shared/errors.js';
import { prepareTemplateSend, variablesOf, type CachedTemplate } from './whatsapp-templates.js';

const orderUpdate: CachedTemplate = {
  name: 'order_update',
  language: 'pt_BR',
  status: 'APPROVED',
  parameterFormat: 'POSITIONAL',
  components: [
    { type: 'HEADER', format: 'TEXT', text: 'Pedido {{1}}', example: { header_text: ['#123'] } },
    {
      type: 'BODY',
      text: 'Olá {{1}}, seu pedido chega em {{2}}.',
      example: { body_text: [['Maria', '2 dias']] },
    },
    { type: 'FOOTER', text: 'Loja Exemplo' },
    {
      type: 'BUTTONS',
      buttons: [
        { type: 'URL', text: 'Rastrear', url: 'https://loja.example/r/{{1}}', example: ['https://loja.example/r/x'] },
        { type: 'QUICK_REPLY', text: 'Falar com alguém' },
      ],
    },
  ],
};

describe('WhatsApp templates', () => {
  it('lists header, body and URL-button variables with Meta’s examples', () => {
    expect(variablesOf(orderUpdate.components)).toEqual([
      { key: 'header.1', component: 'header', placeholder: '1', example: '#123' },
      { key: '1', component: 'body', placeholder: '1', example: 'Maria' },
      { key: '2', component: 'body', placeholder: '2', example: '2 dias' },
      {
        key: 'button.0.1',
        component: 'button',
        placeholder: '1',
        buttonIndex: 0,
        example: 'https://loja.example/r/x',
      },
    ]);
  });

  it('builds the send components and the text the customer reads', () => {
    const send = prepareTemplateSend(orderUpdate, {
      'header.1': '#987',
      '1': 'Maria',
      '2': 'amanhã',
      'button.0.1': 'abc987',
    });
    expect(send.components).toEqual([
      { type: 'header', parameters: [{ type: 'text', text: '#987' }] },
      {
        type: 'body',
        parameters: [
          { type: 'text', text: 'Maria' },
          { type: 'text', text: 'amanhã' },
        ],
      },
      { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'abc987' }] },
    ]);
    expect(send.renderedText).toBe('Pedido #987\n\nOlá Maria, seu pedido chega em amanhã.\n\nLoja Exemplo');
  });

  it('names parameters of a NAMED template', () => {
    const send = prepareTemplateSend(
      {
        name: 'welcome',
        language: 'en_US',
        status: 'APPROVED',
        parameterFormat: 'NAMED',
        components: [{ type: 'BODY', text: 'Hi {{first_name}}!' }],
      },
      { first_name: 'Ana' },
    );
    expect(send.components).toEqual([
      { type: 'body', parameters: [{ type: 'text', parameter_name: 'first_name', text: 'Ana' }] },
    ]);
  });

  it('refuses missing, unknown and multi-line values, naming each', () => {
    let caught: unknown;
    try {
      prepareTemplateSend(orderUpdate, { '1': 'Maria\nSouza', extra: 'x' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UnprocessableError);
    const fields = (caught as UnprocessableError).issues.map((i) => i.field).sort();
    expect(fields).toEqual([
      'body.template.variables.1',
      'body.template.variables.2',
      'body.template.variables.button.0.1',
      'body.template.variables.extra',
      'body.template.variables.header.1',
    ]);
  });

  it('refuses a template that is not approved', () => {
    expect(() => prepareTemplateSend({ ...orderUpdate, status: 'PAUSED' }, {})).toThrow(/PAUSED/);
  });
});
