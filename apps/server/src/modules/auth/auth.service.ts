import { timingSafeEqual } from 'node:crypto';
import type { Actor } from '../../shared/actor.js';
import type { Clock } from '../../shared/clock.js';
import type { EventPublisher } from '../../shared/events.js';
import { ForbiddenError, TooManyRequestsError, UnauthorizedError } from '../../shared/errors.js';
import { isUuid, newId, newSecret, sha256Hex } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import { sessionsRevoked, type RevocationReason } from '../../shared/sessions.js';
import type { AuthRepository } from './auth.repository.js';
import type { Account, AccessTokens, AccountDirectory, PasswordHasher } from './auth.ports.js';
import type { LoginThrottle } from './login-throttle.js';

export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;

export interface Session {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
  account: Account;
}

/** A verified access token: who acts, and through which session (refresh-token family). */
export interface AuthenticatedSession {
  actor: Actor;
  sessionId: string;
}

export interface ClientInfo {
  ip: string;
  userAgent: string | undefined;
}

export interface AuthServiceDeps {
  repository: AuthRepository;
  accounts: AccountDirectory;
  hasher: PasswordHasher;
  tokens: AccessTokens;
  throttle: LoginThrottle;
  clock: Clock;
  logger: Logger;
  /** Where ended sessions are announced, so every node drops their sockets. */
  events: EventPublisher;
  signupEnabled: boolean;
}

const INVALID_CREDENTIALS = 'auth.invalid_credentials';
const INVALID_REFRESH = 'auth.invalid_refresh_token';

export class AuthService {
  /** Verified against when the email is unknown, so both answers take the same time. */
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly deps: AuthServiceDeps) {}

  async login(email: string, password: string, client: ClientInfo): Promise<Session> {
    const { throttle, accounts, hasher, logger } = this.deps;
    const accountKey = email.trim().toLowerCase();
    const waitSeconds = await throttle.waitSeconds(client.ip, accountKey);
    if (waitSeconds > 0) {
      logger.warn({ ip: client.ip }, 'login throttled');
      throw new TooManyRequestsError(
        'auth.too_many_attempts',
        'Too many login attempts; try again later.',
        waitSeconds,
      );
    }
    const account = await accounts.findAccountByEmail(accountKey);
    const isValid = account
      ? await hasher.verify(account.passwordHash, password)
      : await hasher.verify(await this.getDummyHash(), password).then(() => false);
    if (!account || !isValid || !account.isActive) {
      await throttle.recordFailure(client.ip, accountKey);
      logger.info({ ip: client.ip, userId: account?.id }, 'login failed');
      // An unknown address belongs to no company, whose administrators could read it.
      if (account) await this.recordSignIn(account, client, 'auth.sign_in_failed');
      throw new UnauthorizedError(INVALID_CREDENTIALS, 'The email or password is incorrect.');
    }
    await throttle.recordSuccess(accountKey);
    await accounts.recordLogin(toActor(account), this.deps.clock.now());
    await this.recordSignIn(account, client, 'auth.signed_in');
    logger.info({ userId: account.id, companyId: account.companyId }, 'login succeeded');
    return this.startSession(account, newId(), client);
  }

  async register(
    input: { companyName: string; name: string; email: string; password: string },
    client: ClientInfo,
  ): Promise<Session> {
    if (!this.deps.signupEnabled) {
      throw new ForbiddenError(
        'auth.signup_disabled',
        'Sign-up is disabled on this server; an administrator creates accounts (POST /api/users).',
      );
    }
    const account = await this.deps.accounts.createCompanyWithAdmin(input);
    this.deps.logger.info({ userId: account.id, companyId: account.companyId }, 'company registered');
    return this.startSession(account, newId(), client);
  }

  async refresh(presented: string, client: ClientInfo): Promise<Session> {
    const { tokenId, secret } = parseRefreshToken(presented);
    const now = this.deps.clock.now();
    // The account is read before the transaction: on the embedded database a query
    // outside an open transaction would wait for it forever (docs/adr/0003).
    const candidate = await this.deps.repository.findRefreshToken(tokenId);
    const account = candidate
      ? await this.deps.accounts.findAccountById(candidate.companyId, candidate.userId)
      : undefined;
    const outcome = await this.deps.repository.transaction(async (repo) => {
      const row = await repo.findRefreshTokenForUpdate(tokenId);
      if (!row || !hashesEqual(row.tokenHash, sha256Hex(secret))) return { kind: 'invalid' as const };
      if (row.replacedById) {
        // A rotated token came back: someone holds a copy. Burn the whole family.
        await repo.revokeFamily(row.companyId, row.familyId, now);
        return { kind: 'reused' as const, row };
      }
      if (row.revokedAt || row.expiresAt <= now) return { kind: 'invalid' as const };
      if (!account || account.id !== row.userId || !account.isActive || row.createdAt < account.tokensValidAfter) {
        await repo.revokeFamily(row.companyId, row.familyId, now);
        return { kind: 'invalid' as const };
      }
      const session = await this.issueSession(repo, account, row.familyId, client);
      await repo.markRotated(row.id, session.tokenId, now);
      return { kind: 'rotated' as const, session };
    });
    if (outcome.kind === 'reused') {
      const { row } = outcome;
      this.deps.logger.warn(
        { userId: row.userId, familyId: row.familyId, ip: client.ip },
        'refresh token reused; family revoked',
      );
      await this.announce(row.companyId, row.userId, row.familyId, 'refresh_token_reused');
      throw new UnauthorizedError('auth.refresh_token_reused', 'The refresh token was already used; sign in again.');
    }
    if (outcome.kind === 'invalid') throw new UnauthorizedError(INVALID_REFRESH, 'The refresh token is not valid.');
    return outcome.session;
  }

  /** Ends the session the refresh token belongs to. Unknown tokens are ignored (idempotent). */
  async logout(presented: string): Promise<void> {
    const { tokenId, secret } = parseRefreshToken(presented);
    const now = this.deps.clock.now();
    const ended = await this.deps.repository.transaction(async (repo) => {
      const row = await repo.findRefreshTokenForUpdate(tokenId);
      if (!row || !hashesEqual(row.tokenHash, sha256Hex(secret))) return undefined;
      await repo.revokeFamily(row.companyId, row.familyId, now);
      return row;
    });
    if (ended) await this.announce(ended.companyId, ended.userId, ended.familyId, 'logout');
  }

  /** Ends every session of the user: refresh tokens revoked, access tokens refused. */
  async logoutEverywhere(actor: Actor): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.repository.revokeAllForUser(actor.companyId, actor.userId, now);
    await this.deps.accounts.invalidateTokensBefore(actor, now);
    await this.announce(actor.companyId, actor.userId, null, 'logout_all');
  }

  /** Turns a bearer token into the acting user, checked against the database every time. */
  async authenticate(accessToken: string): Promise<Actor> {
    return (await this.authenticateSession(accessToken)).actor;
  }

  /**
   * The user and the session of a bearer token, in one query: the user must be active,
   * the token issued after their last "log out everywhere" or password change, and its
   * session (refresh-token family) not ended by logout or reuse detection.
   */
  async authenticateSession(accessToken: string): Promise<AuthenticatedSession> {
    const claims = await this.deps.tokens.verify(accessToken);
    if (!isUuid(claims.userId) || !isUuid(claims.companyId) || !isUuid(claims.sessionId)) {
      throw new UnauthorizedError('auth.invalid_token', 'The access token is not valid.');
    }
    const state = await this.deps.repository.findSessionState(claims.companyId, claims.userId, claims.sessionId);
    if (!state || !state.isActive || !state.isSessionLive || claims.issuedAtMs < state.tokensValidAfter.getTime()) {
      throw new UnauthorizedError('auth.session_revoked', 'The session has ended; sign in again.');
    }
    return {
      actor: { userId: state.userId, companyId: state.companyId, role: state.role },
      sessionId: claims.sessionId,
    };
  }

  /**
   * Tells every node that sessions ended, so their sockets close. The sessions are already
   * ended in the database: a failed announcement leaves sockets open until their token
   * expires, which is logged and not worth failing the request for.
   */
  private async announce(
    companyId: string,
    userId: string,
    sessionId: string | null,
    reason: RevocationReason,
  ): Promise<void> {
    try {
      await this.deps.events.publish(sessionsRevoked({ companyId, userId, sessionId, reason }));
    } catch (error) {
      this.deps.logger.error({ err: error, userId, reason }, 'session revocation not announced');
    }
  }

  private async recordSignIn(account: Account, client: ClientInfo, action: string): Promise<void> {
    await this.deps.repository.recordAudit({
      companyId: account.companyId,
      actor: { type: 'user', userId: account.id },
      action,
      target: { type: 'user', id: account.id },
      ip: client.ip,
      details: action === 'auth.sign_in_failed' ? { reason: account.isActive ? 'bad_password' : 'inactive' } : {},
    });
  }

  private async startSession(account: Account, familyId: string, client: ClientInfo): Promise<Session> {
    return this.issueSession(this.deps.repository, account, familyId, client);
  }

  private async issueSession(
    repo: AuthRepository,
    account: Account,
    familyId: string,
    client: ClientInfo,
  ): Promise<Session & { tokenId: string }> {
    const tokenId = newId();
    const secret = newSecret(32);
    const now = this.deps.clock.now();
    await repo.insertRefreshToken({
      id: tokenId,
      companyId: account.companyId,
      userId: account.id,
      familyId,
      tokenHash: sha256Hex(secret),
      createdAt: now,
      expiresAt: new Date(now.getTime() + REFRESH_TOKEN_TTL_SECONDS * 1000),
      ip: client.ip.slice(0, 64),
      userAgent: client.userAgent?.slice(0, 512) ?? null,
    });
    const accessToken = await this.deps.tokens.sign({
      userId: account.id,
      companyId: account.companyId,
      role: account.role,
      sessionId: familyId,
    });
    return {
      tokenId,
      accessToken,
      expiresIn: this.deps.tokens.ttlSeconds,
      refreshToken: `${tokenId}.${secret}`,
      refreshExpiresIn: REFRESH_TOKEN_TTL_SECONDS,
      account,
    };
  }

  private getDummyHash(): Promise<string> {
    this.dummyHash ??= this.deps.hasher.hash(newSecret(16));
    return this.dummyHash;
  }
}

function toActor(account: Account): Actor {
  return { userId: account.id, companyId: account.companyId, role: account.role };
}

function parseRefreshToken(presented: string): { tokenId: string; secret: string } {
  const [tokenId, secret, ...rest] = presented.split('.');
  if (!tokenId || !secret || rest.length > 0 || !isUuid(tokenId)) {
    throw new UnauthorizedError(INVALID_REFRESH, 'The refresh token is not valid.');
  }
  return { tokenId, secret };
}

function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
