/**
 * The ICE servers a browser softphone needs to get its media through NAT: STUN to learn
 * its public address, TURN to relay when nothing else connects. TURN credentials are never
 * a shared password: they are minted per user and expire, the "TURN REST API" scheme
 * (draft-uberti-behave-turn-rest-00) that coturn implements with `use-auth-secret` and
 * `static-auth-secret`:
 *
 *   username   = "<expiry, unix seconds>:<user id>"
 *   credential = base64(HMAC-SHA1(secret, username))
 *
 * The TURN server checks the HMAC with the same secret and refuses an expired username,
 * so a credential copied out of a browser is worth nothing after the TTL.
 */
import { createHmac } from 'node:crypto';

export interface IceSettings {
  readonly stunUrls: readonly string[];
  readonly turnUrls: readonly string[];
  /** coturn's static-auth-secret; required when turnUrls is not empty (config.ts checks). */
  readonly turnSecret: string | undefined;
  readonly turnTtlSeconds: number;
}

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

export interface IceConfiguration {
  iceServers: IceServer[];
  /** When the TURN credential stops working; null without TURN. */
  expiresAt: Date | null;
}

export const NO_ICE: IceSettings = { stunUrls: [], turnUrls: [], turnSecret: undefined, turnTtlSeconds: 0 };

export function iceConfigurationFor(settings: IceSettings, userId: string, now: Date): IceConfiguration {
  const iceServers: IceServer[] = [];
  if (settings.stunUrls.length > 0) iceServers.push({ urls: [...settings.stunUrls] });
  if (settings.turnUrls.length === 0 || settings.turnSecret === undefined) return { iceServers, expiresAt: null };
  const expiry = Math.floor(now.getTime() / 1000) + settings.turnTtlSeconds;
  const username = `${expiry}:${userId}`;
  const credential = createHmac('sha1', settings.turnSecret).update(username).digest('base64');
  iceServers.push({ urls: [...settings.turnUrls], username, credential });
  return { iceServers, expiresAt: new Date(expiry * 1000) };
}
