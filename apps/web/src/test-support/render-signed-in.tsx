/** Renders a screen signed in (as an admin by default) over the fake API of `fakeServices`, with a silent softphone. */
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { ServicesProvider, SoftphoneProvider } from '../app/services';
import { I18nProvider, type Locale } from '../shared/i18n/i18n';
import { fakeServices, withLogin, type Route } from './services';

export const ME = '11111111-1111-4111-8111-111111111111';
export const AT = '2026-12-03T10:00:00.000Z';

export async function renderSignedIn(
  node: ReactNode,
  route: Route,
  { role = 'admin', locale = 'en' }: { role?: string; locale?: Locale } = {},
) {
  const services = fakeServices(
    withLogin({ id: ME, company_id: ME, email: 'ana@acme.test', name: 'Ana', role }, route),
  );
  await services.api.login('ana@acme.test', 'a long enough password');
  services.requests.length = 0;
  const softphone = services.createSoftphone(services.api.user!);
  render(
    <ServicesProvider services={services}>
      <SoftphoneProvider controller={softphone}>
        <I18nProvider locale={locale}>{node}</I18nProvider>
      </SoftphoneProvider>
    </ServicesProvider>,
  );
  return services;
}
