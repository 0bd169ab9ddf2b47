/**
 * Visitors' tokens: signed (HS256) with a key of their own, derived from JWT_SECRET, and an
 * audience of their own, so an agent's access token is never a visitor's and a visitor's
 * never reaches the agent API (ADR 25). They last long: the thread must survive reloads.
 */
import { createHmac } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { UnauthorizedError } from '../../shared/errors.js';
import { isUuid } from '../../shared/ids.js';
import type { VisitorClaims } from './webchat.js';

const ISSUER = 'switchboard';
const AUDIENCE = 'switchboard-webchat';
export const VISITOR_TOKEN_TTL_SECONDS = 180 * 24 * 3600;

export class VisitorTokens {
  private readonly key: Uint8Array;

  constructor(
    jwtSecret: string,
    private readonly now: () => Date,
  ) {
    this.key = createHmac('sha256', jwtSecret).update('switchboard webchat visitor token v1').digest();
  }

  async sign(claims: VisitorClaims): Promise<string> {
    const issuedAt = Math.floor(this.now().getTime() / 1000);
    return new SignJWT({ cid: claims.companyId, chn: claims.channelId, scope: 'webchat:visitor' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.visitorId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + VISITOR_TOKEN_TTL_SECONDS)
      .sign(this.key);
  }

  /** The claims of a valid visitor token; 401 `webchat.invalid_token` otherwise. */
  async verify(token: string | undefined): Promise<VisitorClaims> {
    if (!token || token.length > 2048) throw invalid();
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        currentDate: this.now(),
        requiredClaims: ['exp', 'sub'],
      });
      const { sub, cid, chn, scope } = payload;
      if (
        typeof sub !== 'string' ||
        typeof cid !== 'string' ||
        typeof chn !== 'string' ||
        scope !== 'webchat:visitor' ||
        !isUuid(sub) ||
        !isUuid(cid) ||
        !isUuid(chn)
      ) {
        throw invalid();
      }
      return { visitorId: sub, companyId: cid, channelId: chn };
    } catch (error) {
      if (error instanceof UnauthorizedError) throw error;
      if (error instanceof errors.JOSEError) throw invalid();
      throw error;
    }
  }
}

function invalid(): UnauthorizedError {
  return new UnauthorizedError('webchat.invalid_token', 'The visitor token is not valid.');
}
