/**
 * The gate step: fire the company's signed webhook (through the GateOpener port) and record
 * what happened on the call. Not tied to the call's signal: a visitor who hangs up right
 * after the resident said yes still gets the gate opened.
 */
import type { Clock } from '../../../shared/clock.js';
import type { Logger } from '../../../shared/logger.js';
import type { GateStatus } from '../voicebot.js';
import type { GateOpener } from '../voicebot.ports.js';
import type { IntercomRecorder } from './intercom-recorder.js';

export async function openGate(
  deps: { gate: GateOpener; recorder: IntercomRecorder; clock: Clock; log: Logger; shutdownSignal: AbortSignal },
  settings: { gateWebhookUrl: string; gateWebhookSecret: string },
  payload: Record<string, unknown>,
): Promise<GateStatus> {
  const { recorder, clock, log } = deps;
  const result = await deps.gate.open({
    url: settings.gateWebhookUrl,
    secret: settings.gateWebhookSecret,
    payload,
    signal: deps.shutdownSignal,
  });
  const status: GateStatus = result.status === 'delivered' ? 'opened' : 'failed';
  log.info(
    { status: result.status, attempts: result.attempts, httpStatus: result.httpStatus, error: result.error },
    'gate webhook finished',
  );
  recorder.update({
    gateStatus: status,
    gateAttempts: result.attempts,
    gateHttpStatus: result.httpStatus,
    gateError: result.error?.slice(0, 200) ?? null,
    gateAt: clock.now(),
  });
  recorder.line({
    who: 'system',
    leg: 'visitor',
    kind: 'event',
    text:
      status === 'opened'
        ? `Portão aberto (HTTP ${result.httpStatus}, ${result.attempts} tentativa(s))`
        : `Falha ao abrir o portão: ${result.error ?? 'sem resposta'} (${result.attempts} tentativa(s))`,
  });
  return status;
}
