/**
 * Which webhooks the admins' banner reports as disabled: those the list shows disabled on
 * load, and each `webhook_disabled` socket event since; one the admin dismisses stays hidden
 * until it is disabled again (a later `disabled_at`).
 */
export interface DisabledWebhook {
  webhookId: string;
  url: string;
  disabledAt: string;
}

export interface WebhookAlertsState {
  disabled: DisabledWebhook[];
  /** Dismissed: webhook id → the `disabled_at` dismissed. */
  dismissed: Record<string, string>;
}

export type WebhookAlertsEvent =
  | { type: 'loaded'; webhooks: { id: string; url: string; disabled_at: string | null; is_active: boolean }[] }
  | { type: 'disabled'; webhookId: string; url: string; disabledAt: string }
  | { type: 'dismissed' };

export const emptyWebhookAlerts: WebhookAlertsState = { disabled: [], dismissed: {} };

export function reduceWebhookAlerts(state: WebhookAlertsState, event: WebhookAlertsEvent): WebhookAlertsState {
  switch (event.type) {
    case 'loaded':
      return {
        ...state,
        disabled: event.webhooks
          .filter((w) => !w.is_active && w.disabled_at !== null)
          .map((w) => ({ webhookId: w.id, url: w.url, disabledAt: w.disabled_at! })),
      };
    case 'disabled': {
      const others = state.disabled.filter((d) => d.webhookId !== event.webhookId);
      return {
        ...state,
        disabled: [...others, { webhookId: event.webhookId, url: event.url, disabledAt: event.disabledAt }],
      };
    }
    case 'dismissed':
      return {
        ...state,
        dismissed: {
          ...state.dismissed,
          ...Object.fromEntries(state.disabled.map((d) => [d.webhookId, d.disabledAt])),
        },
      };
  }
}

/** The disabled webhooks the banner shows now. */
export function shownAlerts(state: WebhookAlertsState): DisabledWebhook[] {
  return state.disabled.filter((d) => state.dismissed[d.webhookId] !== d.disabledAt);
}
