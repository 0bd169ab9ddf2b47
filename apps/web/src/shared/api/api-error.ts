import type { Problem } from '@switchboard/contracts';

/** An answer of the API that was not a success, carrying its problem+json (RFC 9457). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: Problem | undefined;

  constructor(status: number, code: string, message: string, problem?: Problem) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.problem = problem;
  }

  /** `field → message` of a validation problem, with the `body.` prefix dropped. */
  get fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const error of this.problem?.errors ?? [])
      out[error.field.replace(/^(body|query|params)\./, '')] = error.message;
    return out;
  }
}

/** Thrown when there is no session any more (signed out here, elsewhere, or revoked). */
export class SessionEndedError extends ApiError {
  constructor(code = 'auth.session_ended') {
    super(401, code, 'The session has ended. Sign in again.');
    this.name = 'SessionEndedError';
  }
}

/** The network could not be reached (offline, server down): retrying later may work. */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super('The server could not be reached.', { cause });
    this.name = 'NetworkError';
  }
}

export function isProblem(value: unknown): value is Problem {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { status?: unknown }).status === 'number'
  );
}
