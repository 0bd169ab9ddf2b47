/**
 * The voice bot as a feature module: the intercom's CRUD routes always; the intercom
 * conversation when the composition root hands it a media gateway (the AudioSocket
 * server, `context.voicebot.media`). Speech, the language model, the gate and the
 * resident dialer are adapters built from configuration outside the module (adapters.ts);
 * with no language model the rule-based parser understands the visitor.
 *
 * Its routes: the intercom's CRUD, and the media sessions' operations endpoints
 * (GET /api/status, POST /api/hangup; admins, supervisors or VOICEBOT_API_KEY).
 *
 * Wiring the resolver (main.ts): the AudioSocket server's `resolveCall` is fixed when it
 * is built, before modules are installed, so main.ts passes a late-bound function that
 * calls the `mediaCalls` port this module provides.
 */
import type { InstalledModule, ModuleContext } from '../../app-module.js';
import { registerIntercomRoutes } from './intercom.routes.js';
import { IntercomManager } from './intercom/intercom-manager.js';
import { DEFAULT_TIMINGS, type IntercomTimings } from './intercom/timings.js';
import { LlmUnderstanding, ruleUnderstanding, type IntercomUnderstanding } from './intercom/understanding.js';
import { VoicebotRepository } from './voicebot.repository.js';
import { registerVoicebotRoutes } from './voicebot.routes.js';
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
  /** Overrides of the adapters the composition root built (tests, other engines). */
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

export function createVoicebotInstaller(options: VoicebotModuleOptions = {}) {
  return (context: ModuleContext): VoicebotModule => {
    const logger = context.logger.child({ module: 'voicebot' });
    const repository = new VoicebotRepository(context.db);
    const service = new VoicebotService({ repository, clock: context.clock, logger });
    const adapters = context.voicebot;
    const media = options.media ?? adapters.media;
    const stt = options.stt === null ? undefined : (options.stt ?? adapters.stt);
    const chat = options.chat === null ? undefined : (options.chat ?? adapters.chat);
    const understanding: IntercomUnderstanding = chat ? new LlmUnderstanding(chat, logger) : ruleUnderstanding;
    const tts = options.tts ?? adapters.tts;
    const residentDialer = options.residentDialer ?? adapters.residentDialer;
    const intercom = media
      ? new IntercomManager({
          media,
          detectSpeech: adapters.detectSpeech,
          repository,
          tts,
          stt,
          understanding,
          dialer: residentDialer ?? unconfiguredResidentDialer,
          gate: options.gate ?? adapters.gate,
          clock: context.clock,
          publisher: context.publisher,
          timings: { ...DEFAULT_TIMINGS, ...context.config.voicebot, ...options.timings },
          logger,
        })
      : undefined;
    logger.info(
      {
        isIntercomEnabled: intercom !== undefined,
        tts: context.config.speech.ttsEngine,
        hasRecognizer: stt !== undefined,
        understanding: understanding.name,
        hasResidentDialer: residentDialer !== undefined,
      },
      intercom ? 'voice bot ready' : 'voice bot without an AudioSocket server: intercom calls are off',
    );
    const resolveAudiosocketCall = (audiosocketUuid: string): Promise<ResolvedMediaCall> =>
      intercom
        ? intercom.resolveAudiosocketCall(audiosocketUuid)
        : Promise.resolve({ callId: audiosocketUuid, role: 'visitor', intentData: {} });
    return {
      service,
      intercom,
      routes(app) {
        registerIntercomRoutes(app, service);
        registerVoicebotRoutes(app, {
          sessions: adapters.sessions,
          authenticator: {
            authenticate: (token) => context.ports.get('authenticator').authenticate(token),
          },
          apiKey: context.config.audiosocket.apiKey,
          logger,
        });
      },
      resolveAudiosocketCall,
      provides: { mediaCalls: { resolveAudiosocketCall } },
      stop: async () => {
        await intercom?.stop();
      },
    };
  };
}

/** The installer the composition root lists (feature-modules.ts). */
export const installVoicebot = createVoicebotInstaller();
