export { CallsService, type CallSettings } from './calls.service.js';
export { CallsRepository } from './calls.repository.js';
export { CallLifecycle } from './calls.lifecycle.js';
export { CallFlow } from './call-flow.js';
export { registerCallsRoutes } from './calls.routes.js';
export { RecordingRetention, type RetentionSweep } from './recording-retention.js';
export type { TelephonyPort, TelephonyEvent, DeviceDirectory, AgentDevice, OriginateRequest } from './calls.ports.js';
export type { Call, CallStatus } from './calls.js';
export { installCalls } from './calls.module.js';
export { PbxLease, newNodeId, type LeaseChange, type PbxLeaseOptions, type PbxOwnership } from './calls.ownership.js';
export {
  CallCommandRouter,
  callCommandsOf,
  forwardingCallsService,
  type CallCommands,
  type CommandRelay,
  type RelayResult,
} from './calls.forwarding.js';
