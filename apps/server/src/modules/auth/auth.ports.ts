import type { Actor, Role } from '../../shared/actor.js';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}

export interface AccessTokenClaims {
  userId: string;
  companyId: string;
  role: Role;
  /** The refresh-token family this token was issued with (`sid`): refused once it is revoked. */
  sessionId: string;
  /** Issue time in milliseconds: compared with the user's tokens_valid_after. */
  issuedAtMs: number;
}

export interface AccessTokens {
  readonly ttlSeconds: number;
  sign(claims: Omit<AccessTokenClaims, 'issuedAtMs'>): Promise<string>;
  /** Throws UnauthorizedError when the token is malformed, tampered, expired or has no `exp`. */
  verify(token: string): Promise<AccessTokenClaims>;
}

export interface Account {
  id: string;
  companyId: string;
  email: string;
  name: string;
  role: Role;
  isActive: boolean;
  passwordHash: string;
  tokensValidAfter: Date;
}

/** What auth needs from the users module (implemented by its repository). */
export interface AccountDirectory {
  findAccountByEmail(email: string): Promise<Account | undefined>;
  findAccountById(companyId: string, userId: string): Promise<Account | undefined>;
  recordLogin(actor: Actor, at: Date): Promise<void>;
  invalidateTokensBefore(actor: Actor, at: Date): Promise<void>;
  createCompanyWithAdmin(input: {
    companyName: string;
    name: string;
    email: string;
    password: string;
  }): Promise<Account>;
}

/** A fixed window of counted failures. */
export interface ThrottleWindow {
  count: number;
  resetsAtMs: number;
}

/** Where login failures are counted: in process, or shared by every node (Redis). */
export interface ThrottleCounters {
  read(key: string): Promise<ThrottleWindow | undefined>;
  /** Adds one; a key seen for the first time opens a window of `windowMs`. */
  increment(key: string, windowMs: number): Promise<ThrottleWindow>;
  reset(key: string): Promise<void>;
}
