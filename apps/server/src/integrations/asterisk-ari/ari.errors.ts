import { UpstreamError } from '../../shared/errors.js';

/**
 * ARI answered with an error, or could not be reached. `status` is the HTTP status (0 when
 * no response arrived) and `asteriskMessage` the text Asterisk put in the body, kept so
 * the calls module can tell `Channel not found` from `Channel not in Stasis application`.
 */
export class AriError extends UpstreamError {
  readonly status: number;
  readonly asteriskMessage: string;
  readonly method: string;
  readonly path: string;

  constructor(
    code: string,
    request: { method: string; path: string; status: number; asteriskMessage: string },
    options: { isUnavailable?: boolean } = {},
  ) {
    super(
      code,
      `ARI ${request.method} ${request.path} failed (${request.status}): ${request.asteriskMessage}`,
      options,
    );
    this.status = request.status;
    this.asteriskMessage = request.asteriskMessage;
    this.method = request.method;
    this.path = request.path;
  }
}

type AriErrorRequest = ConstructorParameters<typeof AriError>[1];

/** 400: a parameter is missing or invalid, and also `addChannel` with an unknown channel (ari-rest/044). */
export class AriBadRequestError extends AriError {
  constructor(request: AriErrorRequest) {
    super('asterisk.ari.bad_request', request);
  }
}

/** 401: the ARI user or password in ari.conf does not match. */
export class AriUnauthorizedError extends AriError {
  constructor(request: AriErrorRequest) {
    super('asterisk.ari.unauthorized', request);
  }
}

/** 404: the channel, bridge, playback, recording or variable does not exist (any more). */
export class AriNotFoundError extends AriError {
  constructor(request: AriErrorRequest) {
    super('asterisk.ari.not_found', request);
  }
}

/**
 * 409: the resource is in the wrong state: `Channel not in Stasis application` (answer, play,
 * continue after StasisEnd), a duplicate channel or bridge id, a recording that exists.
 */
export class AriConflictError extends AriError {
  constructor(request: AriErrorRequest) {
    super('asterisk.ari.conflict', request);
  }
}

/** 412: the channel is in a state that forbids the operation (documented, not seen in the captures). */
export class AriPreconditionFailedError extends AriError {
  constructor(request: AriErrorRequest) {
    super('asterisk.ari.precondition_failed', request);
  }
}

/** 422: e.g. a bridge operation on a channel not in Stasis, an unknown record format, a bad redirect endpoint. */
export class AriUnprocessableEntityError extends AriError {
  constructor(request: AriErrorRequest) {
    super('asterisk.ari.unprocessable_entity', request);
  }
}

/** 500: Asterisk failed internally (`Allocation failed`, `Could not stop playback`, unreachable externalMedia host). */
export class AriServerError extends AriError {
  constructor(request: AriErrorRequest) {
    super('asterisk.ari.server_error', request);
  }
}

/** No HTTP answer: connection refused or reset, or the request timed out. Status is 0. */
export class AriUnavailableError extends AriError {
  constructor(request: AriErrorRequest) {
    super('asterisk.ari.unavailable', request, { isUnavailable: true });
  }
}

/** We refused to send a request Asterisk would mishandle (see `recordBridge`). Nothing was sent. */
export class AriInvalidRequestError extends AriError {
  constructor(request: AriErrorRequest) {
    super('asterisk.ari.invalid_request', request);
  }
}

/**
 * Reads Asterisk's error body. It is `{"message": ...}` almost always, but `POST /channels`
 * with an unknown technology answers `{"error":"Allocation failed"}` (ari-rest/019) and the
 * events WebSocket without `app` answers HTML (ws-handshakes.json): take what is there.
 */
export function readAriErrorMessage(bodyText: string): string {
  try {
    const body: unknown = JSON.parse(bodyText);
    if (typeof body === 'object' && body !== null) {
      const { message, error } = body as { message?: unknown; error?: unknown };
      if (typeof message === 'string') return message;
      if (typeof error === 'string') return error;
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return bodyText.trim().slice(0, 200);
}

export function toAriError(request: AriErrorRequest): AriError {
  switch (request.status) {
    case 400:
      return new AriBadRequestError(request);
    case 401:
      return new AriUnauthorizedError(request);
    case 404:
      return new AriNotFoundError(request);
    case 409:
      return new AriConflictError(request);
    case 412:
      return new AriPreconditionFailedError(request);
    case 422:
      return new AriUnprocessableEntityError(request);
    default:
      return request.status >= 500
        ? new AriServerError(request)
        : new AriError('asterisk.ari.unexpected_status', request);
  }
}
