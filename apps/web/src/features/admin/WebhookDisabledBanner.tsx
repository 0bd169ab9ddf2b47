/**
 * A banner on every screen for administrators while a webhook is disabled after failing for
 * 24 hours: from the webhooks list on load and from the `webhook_disabled` socket event; it
 * links to the integrations tab, where the admin turns it back on.
 */
import { useEffect, useReducer } from 'react';
import { webhookSchema } from '@switchboard/contracts';
import { z } from 'zod';
import { hrefOf } from '../../app/router';
import { useApi, useRealtimeEvent } from '../../app/services';
import { useI18n } from '../../shared/i18n/i18n';
import { emptyWebhookAlerts, reduceWebhookAlerts, shownAlerts } from './webhook-alerts';

const webhookList = z.object({ items: z.array(webhookSchema) });
const disabledEvent = z.object({ webhook_id: z.string(), url: z.string(), disabled_at: z.string() });

export function WebhookDisabledBanner() {
  const api = useApi();
  const { t } = useI18n();
  const [state, dispatch] = useReducer(reduceWebhookAlerts, emptyWebhookAlerts);

  useEffect(() => {
    const controller = new AbortController();
    api.request('GET', '/api/webhooks', { schema: webhookList, signal: controller.signal }).then(
      (list) => dispatch({ type: 'loaded', webhooks: list.items }),
      // The banner is a hint: a failed load leaves it hidden (the integrations tab shows the error).
      () => undefined,
    );
    return () => controller.abort();
  }, [api]);

  useRealtimeEvent('webhook_disabled', ({ data }) => {
    const parsed = disabledEvent.safeParse(data);
    if (!parsed.success) return;
    dispatch({
      type: 'disabled',
      webhookId: parsed.data.webhook_id,
      url: parsed.data.url,
      disabledAt: parsed.data.disabled_at,
    });
  });

  const shown = shownAlerts(state);
  if (shown.length === 0) return null;
  return (
    <div className="banner is-warning" role="alert" data-testid="webhook-disabled-banner">
      <span>
        {t('webhooks.disabled_alert', { count: shown.length })}{' '}
        <span className="break">{shown.map((w) => w.url).join(', ')}</span>
      </span>
      <a href={hrefOf({ name: 'admin', tab: 'integrations' })}>{t('webhooks.disabled_open')}</a>
      <button type="button" className="link" onClick={() => dispatch({ type: 'dismissed' })}>
        {t('common.dismiss')}
      </button>
    </div>
  );
}
