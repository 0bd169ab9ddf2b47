import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServicesProvider } from '../../app/services';
import { I18nProvider } from '../../shared/i18n/i18n';
import { fakeServices, withLogin, type Route } from '../../test-support/services';
import { ContactPanel, formatTalk } from './ContactPanel';

const CONTACT = '11111111-1111-4111-8111-111111111111';
const ME = '22222222-2222-4222-8222-222222222222';
const CALL = '33333333-3333-4333-8333-333333333333';
const HERE = '44444444-4444-4444-8444-444444444444';
const OTHER = '55555555-5555-4555-8555-555555555555';
const NOTE = '66666666-6666-4666-8666-666666666666';
const AT = '2026-12-03T10:00:00.000Z';

const card = {
  id: CONTACT,
  name: 'Maria',
  phone: '+5511987654321',
  email: null,
  identities: [{ id: 'phone:primary', kind: 'phone', value: '+5511987654321' }],
  custom_attributes: { plano: 'ouro', cliente_desde: 2019 },
  labels: [{ id: NOTE, name: 'VIP', colour: '#ff0000' }],
  created_at: AT,
  updated_at: AT,
};

const summary = {
  contact: card,
  conversations: [
    {
      conversation_id: HERE,
      channel: 'whatsapp',
      status: 'open',
      assignee_id: ME,
      last_message_preview: 'oi',
      last_activity_at: AT,
    },
    {
      conversation_id: OTHER,
      channel: 'voice',
      status: 'resolved',
      assignee_id: null,
      last_message_preview: 'Chamada atendida por Ana · 3 min 20 s',
      last_activity_at: AT,
    },
  ],
  calls: [
    {
      call_id: CALL,
      direction: 'inbound',
      status: 'completed',
      agent_name: 'Ana',
      talk_seconds: 200,
      disposition: { code: 'sale', label: 'Venda' },
      conversation_id: OTHER,
      started_at: AT,
    },
  ],
  notes: [{ note_id: NOTE, conversation_id: OTHER, body: 'prefere à tarde', author_id: ME, created_at: AT }],
};

afterEach(() => cleanup());

async function renderPanel(route: Route) {
  const services = fakeServices(
    withLogin({ id: ME, company_id: ME, email: 'ana@acme.test', name: 'Ana', role: 'agent' }, route),
  );
  await services.api.login('ana@acme.test', 'a long enough password');
  render(
    <ServicesProvider services={services}>
      <I18nProvider locale="pt-BR">
        <ContactPanel contactId={CONTACT} conversationId={HERE} isColumn onClose={() => undefined} />
      </I18nProvider>
    </ServicesProvider>,
  );
  return services;
}

describe('ContactPanel', () => {
  it('shows the card, the recent calls with their outcome, the other conversations and the notes', async () => {
    const saved = vi.fn();
    await renderPanel((method, path, body) => {
      if (method === 'GET' && path === `/api/contacts/${CONTACT}/summary`) return { status: 200, body: summary };
      if (method === 'PATCH' && path === `/api/contacts/${CONTACT}`) {
        saved(body);
        return { status: 200, body: { ...card, ...(body as object) } };
      }
      return undefined;
    });
    const call = await screen.findByTestId('contact-panel-call');
    expect(call.textContent).toContain('Chamada recebida');
    expect(call.textContent).toContain('atendida por Ana · 3 min 20 s');
    expect(call.textContent).toContain('Venda');
    const conversations = screen.getAllByTestId('contact-panel-conversation');
    expect(conversations).toHaveLength(1);
    expect(conversations[0]!.textContent).toContain('Chamada atendida por Ana');
    expect(conversations[0]!.querySelector('a')!.getAttribute('href')).toBe(`#/inbox/${OTHER}`);
    expect(screen.getByTestId('contact-panel-note').textContent).toContain('prefere à tarde');
    expect(screen.getByTestId('contact-identities').textContent).toContain('+5511987654321');
    expect(screen.getByTestId('contact-panel-page').getAttribute('href')).toBe(`#/contacts/${CONTACT}`);

    // Attributes: change one, add one; the number stays a number.
    const values = screen.getAllByTestId<HTMLInputElement>('attribute-value');
    expect(values.map((v) => v.value)).toEqual(['ouro', '2019']);
    fireEvent.change(values[0]!, { target: { value: 'prata' } });
    fireEvent.click(screen.getByTestId('attribute-add'));
    fireEvent.change(screen.getAllByTestId('attribute-key')[2]!, { target: { value: 'cidade' } });
    fireEvent.change(screen.getAllByTestId('attribute-value')[2]!, { target: { value: 'Recife' } });
    fireEvent.click(screen.getByTestId('contact-save'));
    await waitFor(() =>
      expect(saved).toHaveBeenCalledWith({
        name: 'Maria',
        custom_attributes: { plano: 'prata', cliente_desde: 2019, cidade: 'Recife' },
      }),
    );
  });

  it('shows the card alone to an agent the server says is not handling the contact', async () => {
    await renderPanel((method, path) => {
      if (method === 'GET' && path === `/api/contacts/${CONTACT}/summary`) {
        return {
          status: 403,
          body: { type: 'about:blank', title: 'Forbidden', status: 403, code: 'contact.not_handling', detail: 'no' },
        };
      }
      if (method === 'GET' && path === `/api/contacts/${CONTACT}`) return { status: 200, body: card };
      return undefined;
    });
    expect((await screen.findByTestId('contact-panel-not-handling')).textContent).toContain('enquanto você atende');
    expect(screen.getByTestId('contact-identities').textContent).toContain('+5511987654321');
    expect(screen.queryByTestId('contact-panel-call')).toBeNull();
  });

  it('says durations as the outcome line does', () => {
    expect(formatTalk(45)).toBe('45 s');
    expect(formatTalk(120)).toBe('2 min');
    expect(formatTalk(200)).toBe('3 min 20 s');
  });
});
