export {
  GateWebhookClient,
  SIGNATURE_HEADER,
  signBody,
  type GateAttempt,
  type GateDelivery,
  type GateDeliveryResult,
  type GateWebhookOptions,
} from './gate-webhook.client.js';
