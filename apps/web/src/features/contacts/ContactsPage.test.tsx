import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServicesProvider } from '../../app/services';
import { I18nProvider } from '../../shared/i18n/i18n';
import { fakeServices, withLogin } from '../../test-support/services';
import { ContactsPage } from './ContactsPage';

const CONTACT = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';
const CALL = '33333333-3333-4333-8333-333333333333';
const CONVERSATION = '44444444-4444-4444-8444-444444444444';
const AT = '2026-12-03T10:00:00.000Z';

const contact = (id: string, name: string) => ({
  id,
  name,
  phone: '+5511987654321',
  email: null,
  identities: [{ id: 'phone:primary', kind: 'phone', value: '+5511987654321' }],
  custom_attributes: { plano: 'ouro' },
  labels: [],
  created_at: AT,
  updated_at: AT,
});

const callItem = {
  id: CALL,
  type: 'call',
  at: AT,
  conversation_id: CONVERSATION,
  channel: 'voice',
  message: null,
  voicebot_call: null,
  note: null,
  call: {
    call_id: CALL,
    direction: 'inbound',
    status: 'completed',
    from_number: '+5511987654321',
    to_number: '551130000000',
    agent_id: null,
    agent_name: 'Ana',
    queue_id: null,
    queue_name: 'Suporte',
    wait_seconds: 5,
    talk_seconds: 200,
    disposition: null,
    notes: [],
    recording_url: `/api/calls/${CALL}/recording`,
    started_at: AT,
    answered_at: AT,
    ended_at: AT,
  },
};

afterEach(() => cleanup());

describe('ContactsPage', () => {
  it("shows the contact's card and a call in the timeline with its recording, and merges a duplicate", async () => {
    const merged = vi.fn();
    URL.createObjectURL = vi.fn(() => 'blob:recording');
    URL.revokeObjectURL = vi.fn();
    const services = fakeServices(
      withLogin(
        { id: OTHER, company_id: OTHER, email: 'ana@acme.test', name: 'Ana', role: 'agent' },
        (method, path, body) => {
          if (method === 'GET' && path === '/api/contacts') {
            return {
              status: 200,
              body: { items: [contact(CONTACT, 'Maria'), contact(OTHER, 'Maria 2')], next_cursor: null },
            };
          }
          if (method === 'GET' && path === `/api/contacts/${CONTACT}`)
            return { status: 200, body: contact(CONTACT, 'Maria') };
          if (method === 'GET' && path === `/api/contacts/${CONTACT}/timeline`) {
            return { status: 200, body: { items: [callItem], next_cursor: null } };
          }
          if (method === 'GET' && path === `/api/calls/${CALL}/recording`) return { status: 200, body: {} };
          if (method === 'POST' && path === `/api/contacts/${CONTACT}/merge`) {
            merged(body);
            return { status: 200, body: contact(CONTACT, 'Maria') };
          }
          return undefined;
        },
      ),
    );
    await services.api.login('ana@acme.test', 'a long enough password');
    render(
      <ServicesProvider services={services}>
        <I18nProvider locale="pt-BR">
          <ContactsPage contactId={CONTACT} />
        </I18nProvider>
      </ServicesProvider>,
    );
    expect(await screen.findByTestId('contact-card')).toBeTruthy();
    const item = await screen.findByTestId('timeline-call');
    expect(item.textContent).toContain('Chamada recebida');
    expect(item.textContent).toContain('Ana');
    expect(item.textContent).toContain('Suporte');
    fireEvent.click(screen.getByTestId('timeline-audio-load'));
    await waitFor(() => expect(screen.getByTestId('timeline-audio').getAttribute('src')).toBe('blob:recording'));

    fireEvent.change(screen.getByTestId('merge-search'), { target: { value: 'Maria' } });
    fireEvent.submit(screen.getByTestId('merge-search').closest('form')!);
    fireEvent.click(await screen.findByTestId('merge-into'));
    await waitFor(() => expect(merged).toHaveBeenCalledWith({ other_id: OTHER }));
  });
});
