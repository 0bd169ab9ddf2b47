/** The media sessions the voice bot talks through (implemented by the AudioSocket server). */
export type MediaRole = 'visitor' | 'resident';

export interface MediaSessionView {
  callId: string;
  role: MediaRole;
  state: string;
  startedAt: Date;
  lastActivityAt: Date;
  sampleRateHz: number;
  inbound: { frames: number; bytes: number };
  outbound: { frames: number; bytes: number };
  intentData: Record<string, unknown>;
}

export interface MediaSessions {
  listSessions(): MediaSessionView[];
  hangup(callId: string, role: MediaRole): 'sent' | 'not_found';
}
