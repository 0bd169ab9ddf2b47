import type { AriChannel } from './ari.types.js';

/**
 * What Asterisk holds after a (re)connect compared with what we knew. While no WebSocket
 * is connected, channels stay in Stasis and every event is lost (s12): this report is the
 * only way to learn what happened meanwhile.
 */
export interface AriReconciliation {
  /** False on the first connection of this process, true after a reconnect. */
  isReconnect: boolean;
  /** Known channels Asterisk no longer has: their ChannelDestroyed was lost. */
  goneAsteriskChannelIds: string[];
  /** Known channels still in our Stasis application. */
  stillInStasis: AriChannel[];
  /** Known channels that still exist outside our application (continued to the dialplan, redirected). */
  leftStasis: AriChannel[];
  /** Channels in our application we did not know of: their StasisStart was lost. */
  unknownInStasis: AriChannel[];
}

/**
 * Whether the channel sits in `Stasis(<app>[,args])`, read from its dialplan location (026:
 * `app_name: "Stasis"`, `app_data: "callcenter,agent,1001"`). Snoop and externalMedia
 * channels enter Stasis without that dialplan step (097, 103), so they read as outside.
 */
export function isInStasisApp(channel: AriChannel, app: string): boolean {
  const { app_name: appName, app_data: appData } = channel.dialplan;
  return appName === 'Stasis' && (appData === app || appData.startsWith(`${app},`));
}

export interface ReconcileInput {
  app: string;
  isReconnect: boolean;
  knownAsteriskChannelIds: Iterable<string>;
  /** `GET /channels`, taken after the WebSocket opened. */
  channels: readonly AriChannel[];
  /**
   * Events that arrived on the new WebSocket while the list was in flight and that the list
   * may predate: a channel destroyed meanwhile is not reported alive, one that left Stasis
   * meanwhile is not reported in it. The consumer has already seen those events.
   */
  destroyedMeanwhile?: ReadonlySet<string>;
  leftStasisMeanwhile?: ReadonlySet<string>;
}

export function reconcileChannels(input: ReconcileInput): AriReconciliation {
  const destroyed = input.destroyedMeanwhile ?? new Set<string>();
  const left = input.leftStasisMeanwhile ?? new Set<string>();
  const known = new Set(input.knownAsteriskChannelIds);
  const byId = new Map(input.channels.filter((channel) => !destroyed.has(channel.id)).map((c) => [c.id, c]));
  const report: AriReconciliation = {
    isReconnect: input.isReconnect,
    goneAsteriskChannelIds: [],
    stillInStasis: [],
    leftStasis: [],
    unknownInStasis: [],
  };
  for (const asteriskChannelId of known) {
    const channel = byId.get(asteriskChannelId);
    if (channel === undefined) {
      if (!destroyed.has(asteriskChannelId)) report.goneAsteriskChannelIds.push(asteriskChannelId);
    } else if (isInStasisApp(channel, input.app) && !left.has(channel.id)) {
      report.stillInStasis.push(channel);
    } else {
      report.leftStasis.push(channel);
    }
  }
  for (const channel of byId.values()) {
    if (!known.has(channel.id) && isInStasisApp(channel, input.app) && !left.has(channel.id)) {
      report.unknownInStasis.push(channel);
    }
  }
  return report;
}
