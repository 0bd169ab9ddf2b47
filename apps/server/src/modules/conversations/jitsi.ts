/**
 * Jitsi Meet rooms for video calls from a conversation. The room name is random (about
 * 120 bits), so nobody finds the room by guessing. With JITSI_APP_ID and JITSI_APP_SECRET
 * (a self-hosted Jitsi with token authentication, prosody `authentication = "token"`)
 * each link carries its own HS256 JWT: the agent's as moderator, the contact's as guest,
 * both expiring with the room.
 */
import { SignJWT } from 'jose';
import { randomString } from '../../shared/ids.js';
import type { VideoRoom, VideoRooms } from './conversations.ports.js';

export interface JitsiSettings {
  domain: string;
  appId: string | undefined;
  appSecret: string | undefined;
  roomTtlMinutes: number;
}

/** Lower case only: Jitsi lower-cases room names, so upper case would add no entropy. */
const ROOM_ALPHABET = 'abcdefghijkmnopqrstuvwxyz23456789';

export function createJitsiRooms(settings: JitsiSettings): VideoRooms {
  const key = settings.appSecret ? new TextEncoder().encode(settings.appSecret) : undefined;

  const sign = async (room: string, user: { name: string; isModerator: boolean }, expiresAt: Date, now: Date) => {
    if (!key || !settings.appId) return undefined;
    return new SignJWT({
      room,
      context: { user: { name: user.name, moderator: user.isModerator } },
      moderator: user.isModerator,
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(settings.appId)
      .setAudience('jitsi')
      .setSubject(settings.domain)
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setNotBefore(Math.floor(now.getTime() / 1000) - 60)
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(key);
  };

  return {
    async create({ agentName, contactName, now }): Promise<VideoRoom> {
      const roomName = `switchboard-${randomString(24, ROOM_ALPHABET)}`;
      const expiresAt = new Date(now.getTime() + settings.roomTtlMinutes * 60_000);
      const base = `https://${settings.domain}/${roomName}`;
      const agentToken = await sign(roomName, { name: agentName, isModerator: true }, expiresAt, now);
      const contactToken = await sign(roomName, { name: contactName ?? 'Guest', isModerator: false }, expiresAt, now);
      return {
        roomName,
        agentUrl: agentToken ? `${base}?jwt=${agentToken}` : base,
        contactUrl: contactToken ? `${base}?jwt=${contactToken}` : base,
        expiresAt,
      };
    },
  };
}
