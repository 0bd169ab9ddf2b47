import { UpstreamError } from '../../shared/errors.js';
import type { AmiMessage } from './ami.protocol.js';

/** Base of every AMI failure. `isUnavailable` is true when AMI could not be reached or answer. */
export class AmiError extends UpstreamError {}

/** `Response: Error / Message: Authentication failed` to Login (ami-03). Asterisk then closes the socket. */
export class AmiAuthenticationError extends AmiError {
  readonly asteriskMessage: string;

  constructor(asteriskMessage: string) {
    super('asterisk.ami.authentication_failed', `AMI login rejected: ${asteriskMessage}`);
    this.asteriskMessage = asteriskMessage;
  }
}

/**
 * `Response: Error` to an action, with Asterisk's `Message` (`No such channel`,
 * `Channel does not exist: …`, `Originate failed`, `Permission denied`; ami-02, ami-04).
 */
export class AmiActionError extends AmiError {
  readonly action: string;
  readonly asteriskMessage: string;
  readonly response: AmiMessage;

  constructor(action: string, response: AmiMessage) {
    const asteriskMessage = response.get('Message') ?? '';
    super('asterisk.ami.action_failed', `AMI ${action} failed: ${asteriskMessage}`);
    this.action = action;
    this.asteriskMessage = asteriskMessage;
    this.response = response;
  }
}

export class AmiTimeoutError extends AmiError {
  readonly action: string;

  constructor(action: string, timeoutMs: number) {
    super('asterisk.ami.timeout', `AMI ${action} got no answer within ${timeoutMs} ms`, { isUnavailable: true });
    this.action = action;
  }
}

/** No AMI session right now; nothing was sent. */
export class AmiNotConnectedError extends AmiError {
  constructor(action: string) {
    super('asterisk.ami.not_connected', `AMI is not connected; ${action} not sent`, { isUnavailable: true });
  }
}

/** The TCP connection ended while the action waited for its answer: it may or may not have run. */
export class AmiConnectionLostError extends AmiError {
  constructor(reason: string) {
    super('asterisk.ami.connection_lost', `AMI connection lost: ${reason}`, { isUnavailable: true });
  }
}

/** Bytes that are not AMI (no banner, an endless line). The connection is dropped. */
export class AmiProtocolError extends AmiError {
  constructor(reason: string) {
    super('asterisk.ami.protocol_error', `AMI protocol error: ${reason}`);
  }
}

/** A value we refused to send because AMI would misread it (a line break, a comma in a Variable). */
export class AmiInvalidArgumentError extends AmiError {
  constructor(reason: string) {
    super('asterisk.ami.invalid_argument', reason);
  }
}
