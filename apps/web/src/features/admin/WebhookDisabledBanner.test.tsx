import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ServicesProvider } from '../../app/services';
import { I18nProvider, type Locale } from '../../shared/i18n/i18n';
import { RealtimeClient, type SocketFactory } from '../../shared/realtime/realtime-client';
import { fakeServices, withLogin } from '../../test-support/services';
import { emptyWebhookAlerts, reduceWebhookAlerts, shownAlerts } from './webhook-alerts';
import { WebhookDisabledBanner } from './WebhookDisabledBanner';

const HOOK_A = '11111111-1111-4111-8111-111111111111';
const HOOK_B = '22222222-2222-4222-8222-222222222222';

const webhook = (id: string, url: string, disabledAt: string | null) => ({
  id,
  url,
  description: null,
  event_types: ['call.ended'],
  allow_http: false,
  is_active: disabledAt === null,
  secret_hint: 'abcd',
  previous_secret_expires_at: null,
  failing_since: disabledAt,
  disabled_at: disabledAt,
  disabled_reason: disabledAt ? 'failing continuously for 24 hours' : null,
  created_at: '2026-12-01T10:00:00.000Z',
  updated_at: '2026-12-01T10:00:00.000Z',
});

/** The console's services with a socket whose server events the test plays. */
async function servicesWith(webhooks: ReturnType<typeof webhook>[]) {
  const services = fakeServices(
    withLogin({ id: HOOK_A, company_id: HOOK_A, email: 'ana@acme.test', name: 'Ana', role: 'admin' }, (method, path) =>
      method === 'GET' && path === '/api/webhooks' ? { status: 200, body: { items: webhooks } } : undefined,
    ),
  );
  await services.api.login('ana@acme.test', 'a long enough password');
  let deliver: ((event: string, payload: unknown) => void) | undefined;
  const createSocket: SocketFactory = () =>
    ({
      on: () => undefined,
      onAny: (handler: (event: string, payload: unknown) => void) => {
        deliver = handler;
      },
      connect: () => undefined,
      disconnect: () => undefined,
      emit: () => undefined,
      connected: true,
      active: true,
    }) as unknown as ReturnType<SocketFactory>;
  const realtime = new RealtimeClient({
    createSocket,
    accessToken: async () => 'a1',
    refreshToken: async () => undefined,
  });
  realtime.start();
  let seq = 0;
  const emit = (event: string, data: Record<string, unknown>) => {
    seq += 1;
    act(() => deliver?.(event, { seq, event, data, at: '2026-12-03T10:00:00.000Z' }));
  };
  return { services: { ...services, realtime }, emit };
}

function renderBanner(services: Awaited<ReturnType<typeof servicesWith>>['services'], locale: Locale = 'en') {
  render(
    <ServicesProvider services={services}>
      <I18nProvider locale={locale}>
        <WebhookDisabledBanner />
      </I18nProvider>
    </ServicesProvider>,
  );
}

afterEach(() => cleanup());

describe('webhook alerts', () => {
  it('lists the disabled webhooks of the load and of later events, and hides the dismissed until disabled again', () => {
    let state = reduceWebhookAlerts(emptyWebhookAlerts, {
      type: 'loaded',
      webhooks: [
        { id: HOOK_A, url: 'https://a.example/x', is_active: false, disabled_at: '2026-12-02T10:00:00.000Z' },
        { id: HOOK_B, url: 'https://b.example/x', is_active: true, disabled_at: null },
      ],
    });
    expect(shownAlerts(state).map((d) => d.webhookId)).toEqual([HOOK_A]);
    state = reduceWebhookAlerts(state, { type: 'dismissed' });
    expect(shownAlerts(state)).toEqual([]);
    state = reduceWebhookAlerts(state, {
      type: 'disabled',
      webhookId: HOOK_B,
      url: 'https://b.example/x',
      disabledAt: '2026-12-03T10:00:00.000Z',
    });
    expect(shownAlerts(state).map((d) => d.webhookId)).toEqual([HOOK_B]);
    state = reduceWebhookAlerts(state, {
      type: 'disabled',
      webhookId: HOOK_A,
      url: 'https://a.example/x',
      disabledAt: '2026-12-04T10:00:00.000Z',
    });
    expect(shownAlerts(state).map((d) => d.webhookId)).toEqual([HOOK_B, HOOK_A]);
  });
});

describe('WebhookDisabledBanner', () => {
  it('shows on load when a webhook is disabled, links to the integrations tab, and can be dismissed', async () => {
    const { services } = await servicesWith([
      webhook(HOOK_A, 'https://crm.example/hooks', '2026-12-02T10:00:00.000Z'),
      webhook(HOOK_B, 'https://ok.example/hooks', null),
    ]);
    renderBanner(services);
    const banner = await screen.findByTestId('webhook-disabled-banner');
    expect(banner.textContent).toContain('https://crm.example/hooks');
    expect(banner.textContent).not.toContain('https://ok.example/hooks');
    expect(screen.getByRole('link', { name: 'Open integrations' }).getAttribute('href')).toBe('#/admin/integrations');
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByTestId('webhook-disabled-banner')).toBeNull();
  });

  it('appears when the server reports a webhook disabled, in Portuguese by default', async () => {
    const { services, emit } = await servicesWith([webhook(HOOK_B, 'https://ok.example/hooks', null)]);
    renderBanner(services, 'pt-BR');
    await waitFor(() => expect(services.requests.some((r) => r.path === '/api/webhooks')).toBe(true));
    expect(screen.queryByTestId('webhook-disabled-banner')).toBeNull();
    emit('webhook_disabled', {
      webhook_id: HOOK_B,
      url: 'https://ok.example/hooks',
      disabled_at: '2026-12-03T10:00:00.000Z',
      reason: 'failing continuously for 24 hours',
    });
    const banner = await screen.findByTestId('webhook-disabled-banner');
    expect(banner.textContent).toContain('desativado');
    expect(banner.textContent).toContain('https://ok.example/hooks');
  });
});
