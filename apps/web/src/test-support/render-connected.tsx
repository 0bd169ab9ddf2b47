/**
 * Renders a screen signed in over the fake API of `fakeServices`, with a RealtimeClient over
 * a FakeSocket (connected first unless `isConnected: false`) that the test connects, drops
 * and answers (watches, acks) itself.
 */
import { act, render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { ServicesProvider, SoftphoneProvider } from '../app/services';
import { I18nProvider } from '../shared/i18n/i18n';
import { realtimeOverFakeSocket } from './fake-socket';
import { fakeServices, withLogin, type Route } from './services';

export const ME = '11111111-1111-4111-8111-111111111111';

export async function renderConnected(
  node: ReactNode,
  route: Route,
  { role = 'agent', isConnected = true }: { role?: string; isConnected?: boolean } = {},
) {
  const base = fakeServices(withLogin({ id: ME, company_id: ME, email: 'ana@acme.test', name: 'Ana', role }, route));
  await base.api.login('ana@acme.test', 'a long enough password');
  base.requests.length = 0;
  const { client, socket } = realtimeOverFakeSocket();
  socket().holdsAcks = true;
  if (isConnected) await socket().handshake();
  const services = { ...base, realtime: client };
  const softphone = services.createSoftphone(services.api.user!);
  const view = render(
    <ServicesProvider services={services}>
      <SoftphoneProvider controller={softphone}>
        <I18nProvider locale="en">{node}</I18nProvider>
      </SoftphoneProvider>
    </ServicesProvider>,
  );
  return {
    ...view,
    requests: services.requests,
    socket,
    connect: () => act(() => socket().handshake()),
    drop: () => act(() => socket().drop('transport close')),
    answerWatches: () => act(async () => void socket().answerAcks()),
  };
}
