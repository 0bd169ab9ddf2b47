export type { Account, AccountDirectory, AccessTokens, PasswordHasher, ThrottleCounters } from './auth.ports.js';
export { AuthService, type AuthenticatedSession, type Session, type ClientInfo } from './auth.service.js';
export { AuthRepository } from './auth.repository.js';
export { LoginThrottle, MemoryThrottleCounters } from './login-throttle.js';
export { argon2Hasher } from './argon2.hasher.js';
export { createJwtAccessTokens } from './jwt.tokens.js';
export { registerAuthRoutes } from './auth.routes.js';
export { SessionPruner } from './session-pruner.js';
export { assertStrongPassword, assessPassword, type PasswordAssessment } from './password-strength.js';
export { ApiKeysService } from './api-keys.service.js';
export { ApiKeysRepository } from './api-keys.repository.js';
export { registerApiKeyRoutes } from './api-keys.routes.js';
export {
  API_KEY_PREFIX,
  API_KEY_SCOPES,
  isApiKeyActor,
  NO_USER_ID,
  type ApiKeyActor,
  type ApiKeyScope,
} from './api-keys.js';
export { installAuth } from './auth.module.js';
