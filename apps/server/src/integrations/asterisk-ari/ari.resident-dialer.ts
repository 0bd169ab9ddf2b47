/**
 * Rings an intercom resident over ARI (the voice bot's ResidentDialer, matched
 * structurally). The resident is originated as `Local/<extension or number>@<outbound
 * context>/n` into the dialplan context `switchboard-intercom-resident`: when they answer,
 * that context connects the channel to our AudioSocket server with the UUID we chose
 * (asterisk/extensions.conf), which is how the bot recognises the resident's leg.
 */
import type { Logger } from '../../shared/logger.js';
import type { AriClient } from './ari.client.js';
import { AriError } from './ari.errors.js';

export interface ResidentDialRequestShape {
  callId: string;
  companyId: string;
  residentTarget: { kind: 'sip'; extension: string } | { kind: 'phone'; number: string };
  audiosocketUuid: string;
  ringTimeoutSeconds: number;
}

export type ResidentDialResultShape =
  | { status: 'dialed' }
  | { status: 'failed'; reason: 'busy' | 'unreachable' | 'rejected' | 'not_configured' | 'error'; detail?: string };

export const INTERCOM_RESIDENT_CONTEXT = 'switchboard-intercom-resident';

export class AriResidentDialer {
  constructor(
    private readonly client: AriClient,
    private readonly options: {
      outboundContext: string;
      logger: Logger;
      isAvailable: () => boolean;
      /** The company's SIP prefix, which the dialplan needs to reach one of its extensions. */
      sipPrefixOf: (companyId: string) => Promise<string | undefined>;
    },
  ) {}

  async dial(request: ResidentDialRequestShape): Promise<ResidentDialResultShape> {
    if (!this.options.isAvailable()) return { status: 'failed', reason: 'unreachable', detail: 'PBX not connected' };
    const target =
      request.residentTarget.kind === 'sip' ? request.residentTarget.extension : request.residentTarget.number;
    const prefix = await this.options.sipPrefixOf(request.companyId);
    try {
      await this.client.originateChannel({
        endpoint: `Local/${target}@${this.options.outboundContext}/n`,
        asteriskChannelId: channelIdOf(request.audiosocketUuid),
        context: INTERCOM_RESIDENT_CONTEXT,
        extension: 'resident',
        priority: 1,
        callerId: '"Portaria" <intercom>',
        timeoutSeconds: request.ringTimeoutSeconds,
        variables: {
          SWITCHBOARD_AUDIOSOCKET_UUID: request.audiosocketUuid,
          ...(prefix ? { SWITCHBOARD_SIP_PREFIX: prefix } : {}),
        },
      });
      return { status: 'dialed' };
    } catch (error) {
      this.options.logger.warn({ err: error, callId: request.callId }, 'resident originate failed');
      const detail = error instanceof Error ? error.message : String(error);
      return {
        status: 'failed',
        reason: error instanceof AriError && error.status === 0 ? 'unreachable' : 'error',
        detail,
      };
    }
  }

  async cancel(request: { callId: string; audiosocketUuid: string }): Promise<void> {
    await this.client.hangupChannel(channelIdOf(request.audiosocketUuid), { reason: 'normal' }).catch(() => undefined);
  }
}

function channelIdOf(audiosocketUuid: string): string {
  return `intercom-${audiosocketUuid}`;
}
