/**
 * Steps the desk and phone-width e2e files share, beside the common support helpers: a
 * Portuguese sign-in, what the page played and notified (recorded by an init script),
 * and a WhatsApp status that reports a failed delivery.
 */
import type { Page } from 'playwright-core';
import type { WhatsAppChannel } from './support/whatsapp';

/** Signs in with the console in Brazilian Portuguese, as an agent in Brazil would see it. */
export async function signInPtBr(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/');
  await page.getByTestId('language').selectOption('pt-BR');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Senha').fill(password);
  await page.getByRole('button', { name: 'Entrar' }).click();
  await page.getByTestId('presence-bar').waitFor();
  await page.locator('[data-testid=connection-status][data-status=connected]').waitFor();
}

export interface Observed {
  /** `data-testid` of each <audio> element whose play() was called. */
  plays: string[];
  /** Title and body of each desktop notification raised. */
  notifications: { title: string; body: string }[];
}

/**
 * Records every `HTMLMediaElement.play()` and `new Notification()` of the page, passing
 * them through to the browser. Installed before the console's scripts run.
 */
export async function observeAlerts(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen = { plays: [] as string[], notifications: [] as { title: string; body: string }[] };
    (window as unknown as { __alerts: typeof seen }).__alerts = seen;
    const descriptor = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'play');
    const play = descriptor?.value as (this: HTMLMediaElement) => Promise<void>;
    HTMLMediaElement.prototype.play = function (this: HTMLMediaElement) {
      seen.plays.push(this.dataset.testid ?? this.tagName);
      return play.call(this);
    };
    const Native = window.Notification;
    if (Native) {
      const Recorded = function (title: string, options?: NotificationOptions) {
        seen.notifications.push({ title, body: options?.body ?? '' });
        return new Native(title, options);
      } as unknown as typeof Notification;
      Object.defineProperty(Recorded, 'permission', { get: () => Native.permission });
      Recorded.requestPermission = Native.requestPermission.bind(Native);
      window.Notification = Recorded;
    }
  });
}

export async function alertsOf(page: Page): Promise<Observed> {
  return page.evaluate(() => (window as unknown as { __alerts: Observed }).__alerts);
}

/** Whether the page scrolls sideways (the document is wider than the viewport). */
export async function scrollsSideways(page: Page): Promise<{ scrollWidth: number; clientWidth: number }> {
  return page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
}

/** A status webhook saying WhatsApp could not deliver a message, with its error as Meta sends it. */
export function failedDelivery(
  channel: WhatsAppChannel,
  input: { wamid: string; recipient: string; code: number; title: string; details: string },
) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: channel.phoneNumberId },
              statuses: [
                {
                  id: input.wamid,
                  status: 'failed',
                  timestamp,
                  recipient_id: input.recipient,
                  errors: [
                    {
                      code: input.code,
                      title: input.title,
                      message: input.title,
                      error_data: { details: input.details },
                    },
                  ],
                },
              ],
            },
          },
        ],
      },
    ],
  };
}
