export {
  AmiClient,
  type AmiChannel,
  type AmiClientOptions,
  type AmiConnectionState,
  type AmiStateChange,
} from './ami.client.js';
export type { AmiListResult } from './ami.session.js';
export {
  mapOriginateReason,
  type AmiOriginateOutcome,
  type AmiOriginateParams,
  type AmiOriginateResult,
  type AmiOriginateToApplication,
  type AmiOriginateToExtension,
} from './ami.originate.js';
export {
  AmiMessage,
  AmiParser,
  formatAmiAction,
  type AmiField,
  type AmiFrame,
  type AmiMessageKind,
} from './ami.protocol.js';
export {
  AmiActionError,
  AmiAuthenticationError,
  AmiConnectionLostError,
  AmiError,
  AmiInvalidArgumentError,
  AmiNotConnectedError,
  AmiProtocolError,
  AmiTimeoutError,
} from './ami.errors.js';
