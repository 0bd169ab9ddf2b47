export { OutboundAllowList, embeddedIpv4, refusalOf, specialPurposeOf } from './address-policy.js';
export {
  OutboundHttp,
  OutboundRefusedError,
  OutboundTooLargeError,
  type OutboundHttpOptions,
  type OutboundRequest,
  type OutboundResponse,
} from './outbound-http.js';
import type { OutboundHttp } from './outbound-http.js';

/** What an integration needs to call a URL: the guarded request, nothing else. */
export type OutboundClient = Pick<OutboundHttp, 'request'>;
