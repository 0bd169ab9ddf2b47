/** The AudioSocket server as the voice bot's MediaGateway. */
import type { AudiosocketServer } from '../../integrations/audiosocket/index.js';
import type { MediaEvent, MediaGateway } from './voicebot.ports.js';

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
