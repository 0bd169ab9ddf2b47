import { errors, jwtVerify, SignJWT } from 'jose';
import { UnauthorizedError } from '../../shared/errors.js';
import { ROLES, type Role } from '../../shared/actor.js';
import type { AccessTokenClaims, AccessTokens } from './auth.ports.js';

const ISSUER = 'switchboard';
const AUDIENCE = 'switchboard-api';

export function createJwtAccessTokens(options: {
  secret: string;
  ttlSeconds?: number;
  now?: () => Date;
}): AccessTokens {
  const key = new TextEncoder().encode(options.secret);
  const ttlSeconds = options.ttlSeconds ?? 15 * 60;
  const now = options.now ?? (() => new Date());
  return {
    ttlSeconds,
    async sign(claims) {
      const issuedAt = now();
      return new SignJWT({
        cid: claims.companyId,
        role: claims.role,
        sid: claims.sessionId,
        iat_ms: issuedAt.getTime(),
      })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(claims.userId)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(Math.floor(issuedAt.getTime() / 1000))
        .setExpirationTime(Math.floor(issuedAt.getTime() / 1000) + ttlSeconds)
        .sign(key);
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          issuer: ISSUER,
          audience: AUDIENCE,
          currentDate: now(),
          // jose checks `exp` only when present: a token that never expires is refused.
          requiredClaims: ['exp', 'sub', 'sid'],
        });
        const { sub, cid, role, sid, iat_ms: issuedAtMs } = payload;
        if (
          typeof sub !== 'string' ||
          typeof cid !== 'string' ||
          typeof sid !== 'string' ||
          typeof issuedAtMs !== 'number' ||
          !ROLES.includes(role as Role)
        ) {
          throw new UnauthorizedError('auth.invalid_token', 'The access token is not valid.');
        }
        return { userId: sub, companyId: cid, role: role as Role, sessionId: sid, issuedAtMs };
      } catch (error) {
        if (error instanceof UnauthorizedError) throw error;
        if (error instanceof errors.JWTExpired) {
          throw new UnauthorizedError('auth.token_expired', 'The access token has expired.');
        }
        throw new UnauthorizedError('auth.invalid_token', 'The access token is not valid.');
      }
    },
  } satisfies AccessTokens & { verify(token: string): Promise<AccessTokenClaims> };
}
