/**
 * The intercom's calls on this node. It answers the AudioSocket server's resolver (which
 * UUID is whose call, in which role), routes media events to the call they belong to, and
 * stops every call on shutdown.
 *
 * A UUID resolves to:
 * 1. the resident leg of a call being dialled (the UUID the ResidentDialer was given);
 * 2. a visitor call announced by `expectVisitorCall` (an ARI externalMedia channel, say);
 * 3. a company's intercom UUID (`AudioSocket(<intercom_uuid>,host:port)` in the dialplan):
 *    a new call of that company with a fresh call id;
 * 4. anything else: the media server's default (call id = UUID, role visitor, no company)
 *    and no bot. AudioSocket users other than the intercom keep working.
 */
import type { Clock } from '../../../shared/clock.js';
import type { EventPublisher } from '../../../shared/events.js';
import { newId } from '../../../shared/ids.js';
import type { Logger } from '../../../shared/logger.js';
import type { VoicebotRepository } from '../voicebot.repository.js';
import type {
  GateOpener,
  MediaEvent,
  MediaGateway,
  ResidentDialer,
  ResolvedMediaCall,
  SpeechToText,
  TextToSpeech,
  SpeechDetectorFactory,
} from '../voicebot.ports.js';
import { IntercomSession } from './intercom-session.js';
import type { IntercomTimings } from './timings.js';
import type { IntercomUnderstanding } from './understanding.js';

export interface IntercomManagerDeps {
  media: MediaGateway;
  detectSpeech: SpeechDetectorFactory;
  repository: VoicebotRepository;
  tts: TextToSpeech;
  stt: SpeechToText | undefined;
  understanding: IntercomUnderstanding;
  dialer: ResidentDialer;
  gate: GateOpener;
  clock: Clock;
  publisher: EventPublisher;
  timings: IntercomTimings;
  logger: Logger;
}

interface ExpectedVisitor {
  companyId: string;
  intentData: Record<string, unknown>;
  timer: NodeJS.Timeout;
}

/** Expected visitor UUIDs wait this long by default. */
const DEFAULT_EXPECT_TTL_MS = 60_000;
const SHUTDOWN_WAIT_MS = 5000;

export class IntercomManager {
  private readonly deps: IntercomManagerDeps;
  private readonly log: Logger;
  private readonly sessions = new Map<string, IntercomSession>();
  private readonly expectedResidents = new Map<string, string>();
  private readonly expectedVisitors = new Map<string, ExpectedVisitor>();
  private readonly shutdown = new AbortController();
  private readonly unsubscribe: () => void;

  constructor(deps: IntercomManagerDeps) {
    this.deps = deps;
    this.log = deps.logger.child({ component: 'intercom' });
    this.unsubscribe = deps.media.subscribe(this.onMedia);
  }

  get activeCalls(): number {
    return this.sessions.size;
  }

  /** Hands a visitor connection with this UUID to the intercom of `companyId`. */
  expectVisitorCall(input: {
    audiosocketUuid: string;
    companyId: string;
    intentData?: Record<string, unknown>;
    ttlMs?: number;
  }): void {
    const uuid = input.audiosocketUuid.toLowerCase();
    clearTimeout(this.expectedVisitors.get(uuid)?.timer);
    const timer = setTimeout(() => this.expectedVisitors.delete(uuid), input.ttlMs ?? DEFAULT_EXPECT_TTL_MS);
    timer.unref();
    this.expectedVisitors.set(uuid, { companyId: input.companyId, intentData: input.intentData ?? {}, timer });
  }

  readonly resolveAudiosocketCall = async (audiosocketUuid: string): Promise<ResolvedMediaCall> => {
    const uuid = audiosocketUuid.toLowerCase();
    if (this.shutdown.signal.aborted) throw new Error('the intercom is stopping');
    const residentOf = this.expectedResidents.get(uuid);
    if (residentOf) {
      const session = this.sessions.get(residentOf);
      this.expectedResidents.delete(uuid);
      if (session) {
        return {
          callId: session.callId,
          role: 'resident',
          intentData: {
            company_id: session.companyId,
            intercom_call_id: session.callId,
            visitor_audiosocket_uuid: session.visitorAudiosocketUuid,
          },
        };
      }
    }
    const expected = this.expectedVisitors.get(uuid);
    if (expected) {
      clearTimeout(expected.timer);
      this.expectedVisitors.delete(uuid);
      return this.newVisitorCall(uuid, expected.companyId, expected.intentData);
    }
    const settings = await this.deps.repository.findSettingsByIntercomUuid(uuid);
    if (settings) return this.newVisitorCall(uuid, settings.companyId, {});
    this.log.warn({ audiosocketUuid: uuid }, 'AudioSocket UUID of no intercom: session kept without the bot');
    return { callId: uuid, role: 'visitor', intentData: {} };
  };

  /** Ends every call (KIND_HANGUP to each leg) and waits, bounded, for their records. */
  async stop(): Promise<void> {
    this.shutdown.abort();
    this.unsubscribe();
    const sessions = [...this.sessions.values()];
    for (const session of sessions) session.stop('server_stopping');
    const all = Promise.allSettled(sessions.map((session) => session.done));
    await Promise.race([all, new Promise((resolve) => setTimeout(resolve, SHUTDOWN_WAIT_MS).unref())]);
    for (const expected of this.expectedVisitors.values()) clearTimeout(expected.timer);
    this.expectedVisitors.clear();
  }

  private newVisitorCall(uuid: string, companyId: string, extra: Record<string, unknown>): ResolvedMediaCall {
    const callId = newId();
    const intentData: Record<string, unknown> = { ...extra, company_id: companyId, intercom_call_id: callId };
    const session = new IntercomSession(
      { callId, companyId, visitorAudiosocketUuid: uuid, intentData },
      {
        ...this.deps,
        hooks: {
          expectResident: (residentUuid) => this.expectedResidents.set(residentUuid.toLowerCase(), callId),
          forgetResident: (residentUuid) => this.expectedResidents.delete(residentUuid.toLowerCase()),
        },
        shutdownSignal: this.shutdown.signal,
      },
      this.log,
    );
    this.sessions.set(callId, session);
    // A resolved call whose session never starts (the server refused it) is forgotten.
    const startTimer = setTimeout(() => {
      if (!session.isStarted) this.sessions.delete(callId);
    }, this.deps.timings.sessionStartTimeoutMs);
    startTimer.unref();
    session.log.info({ audiosocketUuid: uuid }, 'intercom call resolved');
    return { callId, role: 'visitor', intentData };
  }

  private readonly onMedia = (event: MediaEvent): void => {
    const session = this.sessions.get(event.callId);
    if (!session) return;
    const wasStarted = session.isStarted;
    session.onMedia(event);
    if (!wasStarted && session.isStarted) {
      void session.done.finally(() => this.sessions.delete(session.callId));
    }
  };
}
