/**
 * What a caller and their phone do in a voice queue, played on the ARI emulator with the
 * frames Asterisk 22.10.1 sends: a caller dialling a DID into Stasis (s11: an inbound
 * channel arrives in Stasis, unanswered), DTMF digits (s04: ChannelDtmfReceived, one per
 * digit, at its end, `duration_ms` 100), and the end of a channel recording
 * (ari-rest/events-during-rest-session.jsonl line 103: RecordingFinished with `duration`).
 * Music on hold, playbacks and `POST /channels/{id}/record` are answered by the emulator's
 * routes (083, 084, 055, 066).
 */
import type { AriChannel } from '../../src/integrations/asterisk-ari/index.js';
import type { AriEmulator } from './ari-emulator.js';
import { ASTERISK_ID, asteriskTimestamp, buildChannel } from './ari-emulator.http.js';

/** A caller from `callerNumber` reaches `[switchboard-dids]` and `Stasis(switchboard,did,<did>)`. */
export function callerDials(
  ari: AriEmulator,
  input: { channelId: string; did: string; callerNumber: string },
): AriChannel {
  const channel = buildChannel(ari.state, {
    id: input.channelId,
    name: `PJSIP/trunk-${ari.state.nextSequence().toString(16).padStart(8, '0')}`,
    state: 'Ring',
    caller: { name: '', number: input.callerNumber },
    dialplan: { context: 'from-pstn', exten: input.did, priority: 1, app_name: '', app_data: '' },
  });
  ari.state.channels.set(channel.id, channel);
  return ari.enterStasis(channel.id, ['did', input.did], { app: 'switchboard' });
}

/** The caller presses one key (s04). */
export function pressDigit(ari: AriEmulator, channelId: string, digit: string): void {
  const channel = ari.state.channels.get(channelId);
  if (!channel) throw new Error(`no channel ${channelId}`);
  ari.emit({
    type: 'ChannelDtmfReceived',
    timestamp: asteriskTimestamp(),
    digit,
    duration_ms: 100,
    channel,
    asterisk_id: ASTERISK_ID,
  });
}

/** A channel recording ends (# pressed, silence, or the caller hung up): it becomes a stored recording. */
export function finishRecording(ari: AriEmulator, recordingName: string, durationSeconds: number): void {
  const recording = ari.state.liveRecordings.get(recordingName);
  if (!recording) throw new Error(`no live recording ${recordingName}`);
  ari.state.liveRecordings.delete(recordingName);
  ari.state.storedRecordings.set(recordingName, { name: recordingName, format: recording.format });
  ari.emit({
    type: 'RecordingFinished',
    timestamp: asteriskTimestamp(),
    recording: { ...recording, state: 'done', duration: durationSeconds },
    asterisk_id: ASTERISK_ID,
  });
}

/** The playbacks started on a channel that have not finished, oldest first. */
export function playbacksOn(ari: AriEmulator, channelId: string): { id: string; media_uri: string }[] {
  return [...ari.state.playbacks.values()].filter((p) => p.target_uri === `channel:${channelId}`);
}
