/**
 * Voice routing assembled: DID entry points and a call's queue history over HTTP, the
 * spoken prompts Asterisk fetches, and, where a PBX is connected, the queue calls that
 * carry out the routing engine's decisions, heard from the event bus of every node.
 */
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { TypedApp } from '../../http/app.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { PublishedEvent } from '../../shared/events.js';
import type { TelephonyEvent } from '../../shared/telephony.js';
import type { AgentDevice, CallLifecycle, CallsRepository } from '../calls/index.js';
import { QueueCalls, type QueueEngine } from './queue-calls.js';
import { toRoutingNotice } from './routing-notices.js';
import { VoicePrompts } from './voice-prompts.js';
import type {
  AgentPresencePort,
  CallbackDialer,
  PromptSpeech,
  PromptVoice,
  QueueTelephony,
  VoicemailPort,
} from './voice-routing.ports.js';
import { VoiceRoutingRepository } from './voice-routing.repository.js';
import { registerVoiceRoutingRoutes } from './voice-routing.routes.js';
import { VoiceRoutingService } from './voice-routing.service.js';

const TICK_MS = 1000;

export interface VoiceRoutingDeps {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  /** Undefined without a PBX: entry points and history still answer, calls cannot be routed. */
  telephony: QueueTelephony | undefined;
  engine: QueueEngine;
  /** Every published event of every node (the engine's decisions come through here). */
  subscribe(listener: (event: PublishedEvent) => void): () => void;
  calls: CallsRepository;
  lifecycle: CallLifecycle;
  devices: { findActiveDeviceOfUser(companyId: string, userId: string): Promise<AgentDevice | undefined> };
  presence: AgentPresencePort;
  voicemail: VoicemailPort;
  dialer: CallbackDialer;
  /** Voices and WAV encoding (adapters.ts: espeak-ng as TTS_ENGINE says, or silence). */
  speech: PromptSpeech;
  /** Tests give a silent engine per language; by default `speech`'s voices. */
  tts?: Partial<Record<'pt-BR' | 'en', PromptVoice>>;
  /** Runs the service's PBX actions on the node that owns the PBX (calls' `callCommands`, ADR 23). */
  forward?<T extends object>(target: T, prefix: string, actions: readonly (keyof T & string)[]): T;
}

export interface VoiceRouting {
  readonly queueCalls: QueueCalls | undefined;
  routes(app: TypedApp): void;
  handleTelephonyEvent(event: TelephonyEvent): Promise<void>;
  /** After every (re)connect of the PBX link on this node: adopt the callers still waiting (queue-calls.ts). */
  handleReconciled(presentChannelIds: ReadonlySet<string>): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

export function createVoiceRouting(deps: VoiceRoutingDeps): VoiceRouting {
  const logger = deps.logger.child({ module: 'voice-routing' });
  const repository = new VoiceRoutingRepository(deps.db);
  const { speech, asterisk } = deps.config;
  const prompts = new VoicePrompts({
    baseUrl: asterisk.mediaBaseUrl,
    secret: deps.config.jwtSecret,
    directory: asterisk.promptsDir,
    engines: {
      'pt-BR': deps.tts?.['pt-BR'] ?? deps.speech.voice(speech.ttsVoice),
      en: deps.tts?.en ?? deps.speech.voice('en'),
    },
    encodeWav: (pcm, sampleRateHz) => deps.speech.encodeWav(pcm, sampleRateHz),
  });
  const queueCalls = deps.telephony
    ? new QueueCalls({
        telephony: deps.telephony,
        engine: deps.engine,
        repository,
        calls: deps.calls,
        lifecycle: deps.lifecycle,
        devices: deps.devices,
        presence: deps.presence,
        voicemail: deps.voicemail,
        dialer: deps.dialer,
        prompts,
        clock: deps.clock,
        logger,
        settings: {
          agentEndpointTemplate: asterisk.agentEndpointTemplate,
          ringTimeoutSeconds: asterisk.ringTimeoutSeconds,
          recordingsDir: asterisk.recordingsDir,
        },
      })
    : undefined;
  const local = new VoiceRoutingService({
    repository,
    calls: deps.calls,
    queueCalls,
    telephony: deps.telephony,
    clock: deps.clock,
    logger,
  });
  // A transfer to a queue is carried out by the node whose queue calls hold the callers.
  const service = deps.forward ? deps.forward(local, 'voice-routing', ['transferToQueue']) : local;
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;
  let ticking: Promise<void> = Promise.resolve();
  return {
    queueCalls,
    routes: (app) => registerVoiceRoutingRoutes(app, service, prompts),
    handleTelephonyEvent: (event) => queueCalls?.handle(event) ?? Promise.resolve(),
    handleReconciled: (present) => queueCalls?.reconcile(present) ?? Promise.resolve(),
    start() {
      if (!queueCalls) return;
      unsubscribe = deps.subscribe((event) => {
        const notice = toRoutingNotice(event);
        if (notice) void queueCalls.notify(notice);
      });
      timer = setInterval(() => {
        ticking = ticking
          .then(() => queueCalls.tick())
          .catch((error: unknown) => logger.error({ err: error }, 'voice routing tick failed'));
      }, TICK_MS);
      timer.unref();
    },
    async stop() {
      unsubscribe?.();
      clearInterval(timer);
      await ticking;
    },
  };
}
