/**
 * The integrations behind the ports modules declare, built from configuration by the
 * composition root and handed to installers in ModuleContext. Modules never import
 * integrations/ (ADR 2, enforced by lint); this file is where the two meet.
 */
import { join } from 'node:path';
import type { Config } from './config.js';
import { encodeWav } from './integrations/audio/index.js';
import { AriClient, AriConnection, AriResidentDialer, AriTelephony } from './integrations/asterisk-ari/index.js';
import type { AudiosocketServer } from './integrations/audiosocket/index.js';
import { GateWebhookClient } from './integrations/gate-webhook/index.js';
import type { RedisRpc } from './integrations/redis/index.js';
import { OpenAiChat } from './integrations/llm/index.js';
import type { OutboundClient } from './integrations/outbound-http/index.js';
import { OpenAiStt, VoiceActivityDetector } from './integrations/stt/index.js';
import { CachedTts, EspeakTts, silentTts, type TextToSpeechEngine } from './integrations/tts/index.js';
import {
  isValidSignature,
  parseDelivery,
  WHATSAPP_SIGNATURE_HEADER,
  WhatsAppCloudClient,
} from './integrations/whatsapp/index.js';
import type { WhatsAppPorts } from './modules/channels/index.js';
import type { PromptSpeech } from './modules/voice-routing/index.js';
import type {
  GateOpener,
  MediaEvent,
  MediaGateway,
  MediaSessions,
  ResidentDialer,
  VoicebotAdapters,
} from './modules/voicebot/index.js';
import type { Logger } from './shared/logger.js';

/** The WhatsApp Cloud API client (through the outbound guard) and Meta's webhook reader. */
export function createWhatsAppPorts(config: Config, outbound: OutboundClient, logger: Logger): WhatsAppPorts {
  return {
    cloud: new WhatsAppCloudClient({
      graphUrl: config.whatsapp.graphUrl,
      http: outbound,
      logger: logger.child({ module: 'channels', channel: 'whatsapp' }),
    }),
    webhooks: { signatureHeader: WHATSAPP_SIGNATURE_HEADER, isValidSignature, parseDelivery },
  };
}

/**
 * Text to speech per voice as TTS_ENGINE says: espeak-ng behind one cache per voice
 * (under DATA_DIR/tts-cache), or silence. One instance per server, shared by the voice
 * bot and the queues' prompts.
 */
export function createTtsVoices(config: Config, logger: Logger): (voice: string) => TextToSpeechEngine {
  const engines = new Map<string, TextToSpeechEngine>();
  const log = logger.child({ module: 'tts' });
  return (voice) => {
    if (config.speech.ttsEngine !== 'espeak-ng') return silentTts;
    let engine = engines.get(voice);
    if (!engine) {
      engine = new CachedTts(new EspeakTts({ voice }), { directory: join(config.dataDir, 'tts-cache'), logger: log });
      engines.set(voice, engine);
    }
    return engine;
  };
}

/** What the queues' spoken prompts need: a voice per language's speaker, and WAV files. */
export function createPromptSpeech(voices: (voice: string) => TextToSpeechEngine): PromptSpeech {
  return { voice: voices, encodeWav };
}

/** The voice bot's adapters: the AudioSocket server as media, speech, language model, gate, resident dialer. */
export function createVoicebotAdapters(input: {
  config: Config;
  outbound: OutboundClient;
  voices: (voice: string) => TextToSpeechEngine;
  audiosocket: AudiosocketServer | undefined;
  residentDialer: ResidentDialer | undefined;
  /** With REDIS_URL: the other nodes, for their AudioSocket sessions. */
  relay?: RedisRpc | undefined;
}): VoicebotAdapters {
  const { speech } = input.config;
  return {
    ...(input.audiosocket ? { media: createAudiosocketMedia(input.audiosocket) } : {}),
    sessions: audiosocketSessions(input.audiosocket, input.relay),
    tts: input.voices(speech.ttsVoice),
    ...(speech.stt
      ? {
          stt: new OpenAiStt({
            url: speech.stt.url,
            apiKey: speech.stt.apiKey,
            model: speech.stt.model,
            http: input.outbound,
          }),
        }
      : {}),
    ...(speech.llm
      ? {
          chat: new OpenAiChat({
            url: speech.llm.url,
            apiKey: speech.llm.apiKey,
            model: speech.llm.model,
            http: input.outbound,
          }),
        }
      : {}),
    gate: gateOpenerOf(new GateWebhookClient(input.outbound)),
    detectSpeech: (options) => new VoiceActivityDetector(options),
    ...(input.residentDialer ? { residentDialer: input.residentDialer } : {}),
  };
}

/**
 * The operations endpoints' view of the AudioSocket server (none when it is off). With
 * several nodes (`relay`, REDIS_URL) a session lives on the node its TCP connection landed
 * on: `/api/status` asks every live node and `/api/hangup` reaches the one holding it.
 */
export function audiosocketSessions(audiosocket: AudiosocketServer | undefined, relay?: RedisRpc): MediaSessions {
  const local: MediaSessions = {
    listSessions: () => audiosocket?.listSessions() ?? [],
    hangup: (callId, role) => audiosocket?.hangup(callId, role) ?? 'not_found',
  };
  if (!relay) return local;
  relay.serve(SESSIONS_TOPIC, () => Promise.resolve(JSON.stringify(local.listSessions())));
  relay.serve(HANGUP_TOPIC, (body) => {
    const { callId, role } = JSON.parse(body) as { callId: string; role: 'visitor' | 'resident' };
    return Promise.resolve(local.hangup(callId, role));
  });
  const others = async () => (await relay.listNodes()).filter((nodeId) => nodeId !== relay.nodeId);
  return {
    ...local,
    async listEverywhere() {
      const answers = await Promise.all(
        (await others()).map((nodeId) => relay.request(nodeId, SESSIONS_TOPIC, '', NODE_QUESTION_TIMEOUT_MS)),
      );
      const remote = answers.flatMap((answer) =>
        answer.status === 'replied' ? (JSON.parse(answer.body) as SessionJson[]).map(sessionFromJson) : [],
      );
      return [...local.listSessions(), ...remote];
    },
    async hangupEverywhere(callId, role) {
      if (local.hangup(callId, role) === 'sent') return 'sent';
      const body = JSON.stringify({ callId, role });
      const answers = await Promise.all(
        (await others()).map((nodeId) => relay.request(nodeId, HANGUP_TOPIC, body, NODE_QUESTION_TIMEOUT_MS)),
      );
      return answers.some((answer) => answer.status === 'replied' && answer.body === 'sent') ? 'sent' : 'not_found';
    },
  };
}

const SESSIONS_TOPIC = 'audiosocket.sessions';
const HANGUP_TOPIC = 'audiosocket.hangup';
/** A node that does not answer within this is left out of the list (it is dying). */
const NODE_QUESTION_TIMEOUT_MS = 2_000;

type MediaSessionView = ReturnType<MediaSessions['listSessions']>[number];
type SessionJson = Omit<MediaSessionView, 'startedAt' | 'lastActivityAt'> & {
  startedAt: string;
  lastActivityAt: string;
};

function sessionFromJson(session: SessionJson): MediaSessionView {
  return { ...session, startedAt: new Date(session.startedAt), lastActivityAt: new Date(session.lastActivityAt) };
}

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

/** The AudioSocket server as the voice bot's MediaGateway. */
export function createAudiosocketMedia(server: AudiosocketServer): MediaGateway {
  return {
    play(callId, role, pcm, sampleRateHz) {
      const result = server.playAudio(callId, role, pcm, { sampleRateHz });
      return result.status === 'queued'
        ? { status: 'queued', finished: result.finished }
        : {
            status: 'failed',
            reason: result.status === 'invalid_audio' ? `invalid_audio:${result.reason}` : result.status,
          };
    },
    relay(callId, role, pcm, sampleRateHz) {
      const result = server.relayAudio(callId, role, pcm, { sampleRateHz });
      return result.status === 'sent' || result.status === 'queued' ? result.status : 'failed';
    },
    stop(callId, role) {
      server.stopAudio(callId, role);
    },
    hangup: (callId, role) => server.hangup(callId, role),
    updateIntentData(callId, role, patch) {
      server.updateIntentData(callId, role, patch);
    },
    subscribe(listener: (event: MediaEvent) => void) {
      const off = [
        server.on('sessionStarted', (s) =>
          listener({
            type: 'started',
            callId: s.callId,
            role: s.role,
            audiosocketUuid: s.audiosocketUuid,
            sampleRateHz: s.sampleRateHz,
          }),
        ),
        server.on('audioReceived', (e) =>
          listener({ type: 'audio', callId: e.callId, role: e.role, pcm: e.pcm, sampleRateHz: e.sampleRateHz }),
        ),
        server.on('dtmfReceived', (e) => listener({ type: 'dtmf', callId: e.callId, role: e.role, digit: e.digit })),
        server.on('sessionEnded', (e) => listener({ type: 'ended', callId: e.callId, role: e.role, reason: e.reason })),
      ];
      return () => {
        for (const unsubscribe of off) unsubscribe();
      };
    },
  };
}

/** The PBX over ARI (ASTERISK_ARI_*): call control, and the intercom's resident dialer. */
export interface AriAdapters {
  telephony: AriTelephony;
  residentDialer: ResidentDialer;
}

/** Undefined without ASTERISK_ARI_URL. Started and stopped by the composition root. */
export function createAri(
  config: Config,
  logger: Logger,
  deps: { sipPrefixOf(companyId: string): Promise<string | undefined> },
): AriAdapters | undefined {
  const ariConfig = config.asterisk.ari;
  if (!ariConfig) return undefined;
  const log = logger.child({ module: 'asterisk-ari' });
  const client = new AriClient({
    baseUrl: ariConfig.url,
    username: ariConfig.username,
    password: ariConfig.password,
    logger: log,
  });
  const telephony = new AriTelephony(
    client,
    new AriConnection({ client, app: ariConfig.app, logger: log }),
    ariConfig.app,
    log,
  );
  const residentDialer = new AriResidentDialer(client, {
    outboundContext: config.asterisk.outboundContext,
    logger: log,
    isAvailable: () => telephony.isAvailable(),
    sipPrefixOf: (companyId) => deps.sipPrefixOf(companyId),
  });
  return { telephony, residentDialer };
}
