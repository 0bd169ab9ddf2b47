/**
 * Domain errors. Domain code knows no HTTP status: `http/problem.ts` maps each class to
 * an RFC 9457 problem. `code` is stable and part of the API (`call.not_found`).
 */
export interface FieldIssue {
  /** Dotted path of the bad field, e.g. `body.email`. */
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

export class NotFoundError extends AppError {}
export class ConflictError extends AppError {}
export class UnauthorizedError extends AppError {}
export class ForbiddenError extends AppError {}

export class ValidationError extends AppError {
  readonly issues: FieldIssue[];

  constructor(code: string, message: string, issues: FieldIssue[] = []) {
    super(code, message);
    this.issues = issues;
  }
}

/** Well-formed, but not something that can be done with it (a file over the channel's limit, a template's variables missing). */
export class UnprocessableError extends AppError {
  readonly issues: FieldIssue[];

  constructor(code: string, message: string, issues: FieldIssue[] = []) {
    super(code, message);
    this.issues = issues;
  }
}

export class TooManyRequestsError extends AppError {
  readonly retryAfterSeconds: number;

  constructor(code: string, message: string, retryAfterSeconds: number) {
    super(code, message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A collaborator outside the process (Asterisk, WhatsApp, a webhook) failed or is absent. */
export class UpstreamError extends AppError {
  readonly isUnavailable: boolean;

  constructor(code: string, message: string, options: { isUnavailable?: boolean } = {}) {
    super(code, message);
    this.isUnavailable = options.isUnavailable ?? false;
  }
}
