/**
 * The integrations behind the ports modules declare, built from configuration by the
 * composition root and handed to installers in ModuleContext. Modules never import
 * integrations/ (ADR 2, enforced by lint); this file is where the two meet.
 */
import type { Config } from './config.js';
import type { OutboundClient } from './integrations/outbound-http/index.js';
import {
  isValidSignature,
  parseDelivery,
  WHATSAPP_SIGNATURE_HEADER,
  WhatsAppCloudClient,
} from './integrations/whatsapp/index.js';
import type { WhatsAppPorts } from './modules/channels/index.js';
import type { Logger } from './shared/logger.js';

/** The WhatsApp Cloud API client (through the outbound guard) and Meta's webhook reader. */
export function createWhatsAppPorts(config: Config, outbound: OutboundClient, logger: Logger): WhatsAppPorts {
  return {
    cloud: new WhatsAppCloudClient({
      graphUrl: config.whatsapp.graphUrl,
      http: outbound,
      logger: logger.child({ module: 'channels', channel: 'whatsapp' }),
    }),
    webhooks: { signatureHeader: WHATSAPP_SIGNATURE_HEADER, isValidSignature, parseDelivery },
  };
}
