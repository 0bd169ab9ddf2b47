/**
 * What the calls module needs from outside: a PBX to control (implemented over Asterisk
 * ARI in integrations/) and the agents' SIP devices (the users module).
 */

export interface OriginateRequest {
  /** Pre-set channel id, so every later event names a channel we already know. */
  channelId: string;
  /** Dial string, e.g. `PJSIP/kqmzta_1000` or `Local/5511987654321@from-agents`. */
  endpoint: string;
  callerId: string;
  /** Arguments the channel carries into the Stasis application. */
  appArgs: string[];
  timeoutSeconds: number;
  variables?: Record<string, string>;
}

export interface TelephonyPort {
  /** Whether call control is possible now (ARI reachable and its event stream up). */
  isAvailable(): boolean;
  originate(request: OriginateRequest): Promise<void>;
  /** Plays ringing to a channel in Stasis (ringback while we dial the other side). */
  ring(channelId: string): Promise<void>;
  answer(channelId: string): Promise<void>;
  hangup(channelId: string): Promise<void>;
  /** A mixing bridge with these channels, recorded into `recordingName` when possible. */
  bridgeAndRecord(bridgeId: string, channelIds: string[], recordingName: string): Promise<{ isRecording: boolean }>;
  destroyBridge(bridgeId: string): Promise<void>;
  setVariable(channelId: string, name: string, value: string): Promise<void>;
  /** Sends a channel out of Stasis into the dialplan (blind transfer). */
  continueInDialplan(channelId: string, context: string, extension: string): Promise<void>;
  /** Stops the ringing `ring` started (a channel that leaves for a bridge). */
  stopRinging(channelId: string): Promise<void>;
  /** An empty mixing bridge (consult, monitor). */
  createBridge(bridgeId: string): Promise<void>;
  addToBridge(bridgeId: string, channelIds: string[]): Promise<void>;
  removeFromBridge(bridgeId: string, channelId: string): Promise<void>;
  /** Music on hold to everyone in the bridge (the held customer, a waiting consult target). */
  startBridgeMusicOnHold(bridgeId: string): Promise<void>;
  stopBridgeMusicOnHold(bridgeId: string): Promise<void>;
  /**
   * A Snoop channel on `channelId` that enters our Stasis application with `appArgs`:
   * `spy` is what it hears of the channel, `whisper` where what it says goes (`out`: to
   * the channel's own phone only).
   */
  snoop(request: SnoopRequest): Promise<void>;
}

export interface SnoopRequest {
  channelId: string;
  snoopChannelId: string;
  spy: 'none' | 'both' | 'in' | 'out';
  whisper: 'none' | 'both' | 'in' | 'out';
  appArgs: string[];
}

export type { TelephonyEvent } from '../../shared/telephony.js';

export interface AgentDevice {
  userId: string;
  companyId: string;
  endpointId: string;
  extension: number;
  name: string;
}

export interface DeviceDirectory {
  findActiveDeviceOfUser(companyId: string, userId: string): Promise<AgentDevice | undefined>;
  /** Endpoint ids are unique across companies: an inbound target names its tenant. */
  findActiveDeviceByEndpoint(endpointId: string): Promise<AgentDevice | undefined>;
  findActiveDeviceByExtension(companyId: string, extension: number): Promise<AgentDevice | undefined>;
}
