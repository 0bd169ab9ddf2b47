export {
  WhatsAppCloudClient,
  backoffDelayMs,
  isRetryableStatus,
  type DownloadMediaInput,
  type SendTextInput,
  type WhatsAppMediaResult,
  type WhatsAppClientOptions,
  type WhatsAppSendResult,
} from './whatsapp.client.js';
export {
  WHATSAPP_SIGNATURE_HEADER,
  describeError,
  isValidSignature,
  parseDelivery,
  phoneOfWaId,
  signatureOf,
  type WhatsAppDelivery,
  type WhatsAppInboundMessage,
  type WhatsAppMediaKind,
  type WhatsAppStatusUpdate,
} from './whatsapp.webhook.js';
