export { AriClient, type AriClientOptions } from './ari.client.js';
export type {
  AriCreateChannelParams,
  AriExternalMediaParams,
  AriHangupReason,
  AriOriginateParams,
  AriPlayParams,
  AriRecordParams,
} from './ari.params.js';
export {
  AriConnection,
  computeReconnectDelayMs,
  type AriConnectionOptions,
  type AriConnectionState,
  type AriStateChange,
} from './ari.connection.js';
export type { AriChannelListener } from './ari.channel-listeners.js';
export { isInStasisApp, reconcileChannels, type AriReconciliation } from './ari.reconcile.js';
export {
  AriBadRequestError,
  AriConflictError,
  AriError,
  AriInvalidRequestError,
  AriNotFoundError,
  AriPreconditionFailedError,
  AriServerError,
  AriUnauthorizedError,
  AriUnavailableError,
  AriUnprocessableEntityError,
} from './ari.errors.js';
export {
  readChannelIdFromTargetUri,
  findChannelIdsOfEvent,
  parseAriEvent,
  type AriApplicationReplacedEvent,
  type AriBridgeBlindTransferEvent,
  type AriBridgeCreatedEvent,
  type AriBridgeDestroyedEvent,
  type AriChannelCallerIdEvent,
  type AriChannelConnectedLineEvent,
  type AriChannelCreatedEvent,
  type AriChannelDestroyedEvent,
  type AriChannelDialplanEvent,
  type AriChannelDtmfReceivedEvent,
  type AriChannelEnteredBridgeEvent,
  type AriChannelHangupRequestEvent,
  type AriChannelHoldEvent,
  type AriChannelLeftBridgeEvent,
  type AriChannelStateChangeEvent,
  type AriChannelUnholdEvent,
  type AriChannelUsereventEvent,
  type AriChannelVarsetEvent,
  type AriDeviceStateChangedEvent,
  type AriDialEvent,
  type AriEvent,
  type AriEventType,
  type AriParsedFrame,
  type AriPlaybackContinuingEvent,
  type AriPlaybackFinishedEvent,
  type AriPlaybackStartedEvent,
  type AriRecordingFailedEvent,
  type AriRecordingFinishedEvent,
  type AriRecordingStartedEvent,
  type AriStasisEndEvent,
  type AriStasisStartEvent,
} from './ari.events.js';
export type * from './ari.types.js';
export { AriTelephony, parseAriTimestamp, type AriTelephonyEvent } from './ari.telephony.js';
export { AriResidentDialer, INTERCOM_RESIDENT_CONTEXT } from './ari.resident-dialer.js';
