/**
 * The voice bot as a feature module: the intercom's CRUD routes always; the intercom
 * conversation when the composition root hands it the AudioSocket server
 * (`context.audiosocket`). Speech comes from configuration: espeak-ng (cached) for TTS,
 * an OpenAI-compatible recognizer and language model when their URLs are set, the
 * rule-based parser otherwise.
 *
 * Wiring the resolver (main.ts): the AudioSocket server's `resolveCall` is fixed when it
 * is built, before modules are installed, so main.ts passes a late-bound function that
 * calls the installed module's `resolveAudiosocketCall` (see `isVoicebotModule`).
 */
import { join } from 'node:path';
import type { InstalledModule, ModuleContext } from '../../app-module.js';
import { GateWebhookClient } from '../../integrations/gate-webhook/index.js';
import { OpenAiChat } from '../../integrations/llm/index.js';
import { OpenAiStt } from '../../integrations/stt/index.js';
import { CachedTts, EspeakTts, silentTts } from '../../integrations/tts/index.js';
import { createAudiosocketMedia } from './audiosocket.media.js';
import { registerIntercomRoutes } from './intercom.routes.js';
import { IntercomManager } from './intercom/intercom-manager.js';
import { DEFAULT_TIMINGS, type IntercomTimings } from './intercom/timings.js';
import { LlmUnderstanding, ruleUnderstanding, type IntercomUnderstanding } from './intercom/understanding.js';
import { VoicebotRepository } from './voicebot.repository.js';
import { VoicebotService } from './voicebot.service.js';
import type {
  ChatModel,
  GateOpener,
  MediaGateway,
  ResidentDialer,
  ResolvedMediaCall,
  SpeechToText,
  TextToSpeech,
} from './voicebot.ports.js';

export interface VoicebotModuleOptions {
  /** How residents are rung; without one the bot apologises that it cannot call. */
  residentDialer?: ResidentDialer;
  /** Overrides of what configuration would build (tests, other engines). */
  media?: MediaGateway;
  tts?: TextToSpeech;
  /** `null`: no recognizer even if STT_URL is set. */
  stt?: SpeechToText | null;
  chat?: ChatModel | null;
  gate?: GateOpener;
  timings?: Partial<IntercomTimings>;
}

export interface VoicebotModule extends InstalledModule {
  readonly service: VoicebotService;
  /** Undefined when no AudioSocket server was given. */
  readonly intercom: IntercomManager | undefined;
  /** For the AudioSocket server's `resolveCall`. */
  resolveAudiosocketCall(audiosocketUuid: string): Promise<ResolvedMediaCall>;
}

export function isVoicebotModule(module: InstalledModule): module is VoicebotModule {
  return typeof (module as Partial<VoicebotModule>).resolveAudiosocketCall === 'function';
}

/** Until a PBX adapter implements ResidentDialer: every dial fails as `not_configured`. */
export const unconfiguredResidentDialer: ResidentDialer = {
  dial: () => Promise.resolve({ status: 'failed', reason: 'not_configured', detail: 'no ResidentDialer is wired' }),
  cancel: () => Promise.resolve(),
};

export function gateOpenerOf(client: GateWebhookClient): GateOpener {
  return {
    open: async (request) => {
      const result = await client.deliver(request);
      return {
        status: result.status,
        attempts: result.attempts.length,
        httpStatus: result.httpStatus,
        error: result.error,
      };
    },
  };
}

export function createVoicebotInstaller(options: VoicebotModuleOptions = {}) {
  return (context: ModuleContext): VoicebotModule => {
    const logger = context.logger.child({ module: 'voicebot' });
    const repository = new VoicebotRepository(context.db);
    const service = new VoicebotService({ repository, clock: context.clock, logger });
    const media = options.media ?? (context.audiosocket ? createAudiosocketMedia(context.audiosocket) : undefined);
    const { speech } = context.config;
    const stt =
      options.stt === null
        ? undefined
        : (options.stt ??
          (speech.stt
            ? new OpenAiStt({
                url: speech.stt.url,
                apiKey: speech.stt.apiKey,
                model: speech.stt.model,
                http: context.outbound,
              })
            : undefined));
    const chat =
      options.chat === null
        ? undefined
        : (options.chat ??
          (speech.llm
            ? new OpenAiChat({
                url: speech.llm.url,
                apiKey: speech.llm.apiKey,
                model: speech.llm.model,
                http: context.outbound,
              })
            : undefined));
    const understanding: IntercomUnderstanding = chat ? new LlmUnderstanding(chat, logger) : ruleUnderstanding;
    const tts =
      options.tts ??
      (speech.ttsEngine === 'espeak-ng'
        ? new CachedTts(new EspeakTts({ voice: speech.ttsVoice }), {
            directory: join(context.config.dataDir, 'tts-cache'),
            logger,
          })
        : silentTts);
    const intercom = media
      ? new IntercomManager({
          media,
          repository,
          tts,
          stt,
          understanding,
          dialer: options.residentDialer ?? context.residentDialer ?? unconfiguredResidentDialer,
          gate: options.gate ?? gateOpenerOf(new GateWebhookClient(context.outbound)),
          clock: context.clock,
          publisher: context.publisher,
          timings: { ...DEFAULT_TIMINGS, ...context.config.voicebot, ...options.timings },
          logger,
        })
      : undefined;
    logger.info(
      {
        isIntercomEnabled: intercom !== undefined,
        tts: speech.ttsEngine,
        hasRecognizer: stt !== undefined,
        understanding: understanding.name,
        hasResidentDialer: (options.residentDialer ?? context.residentDialer) !== undefined,
      },
      intercom ? 'voice bot ready' : 'voice bot without an AudioSocket server: intercom calls are off',
    );
    return {
      service,
      intercom,
      routes: (app) => registerIntercomRoutes(app, service),
      resolveAudiosocketCall: (audiosocketUuid) =>
        intercom
          ? intercom.resolveAudiosocketCall(audiosocketUuid)
          : Promise.resolve({ callId: audiosocketUuid, role: 'visitor', intentData: {} }),
      stop: async () => {
        await intercom?.stop();
      },
    };
  };
}

/** The installer the composition root lists (feature-modules.ts). */
export const installVoicebot = createVoicebotInstaller();
