/**
 * The outbound guard as tests use it: the local stubs listen on 127.0.0.1, which the guard
 * refuses by default, so tests allow loopback explicitly, as an operator would with
 * OUTBOUND_ALLOWED_HOSTS. The guard itself is the production one.
 */
import { OutboundAllowList, OutboundHttp } from '../../src/integrations/outbound-http/index.js';
import { createLogger } from '../../src/shared/logger.js';

export const LOOPBACK_ALLOWED = '127.0.0.0/8,::1';

export function loopbackOutbound(allowed: string = LOOPBACK_ALLOWED): OutboundHttp {
  return new OutboundHttp({
    allowList: OutboundAllowList.parse(allowed),
    logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
}
