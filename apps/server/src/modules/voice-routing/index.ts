/**
 * Voice queues on Asterisk: DIDs that name a queue or a DTMF menu, callers who wait with
 * music and announcements, agents' devices rung on the routing engine's offers, voicemail
 * and callback overflows, transfers into a queue.
 */
export { createVoiceRouting, type VoiceRouting, type VoiceRoutingDeps } from './voice-routing.module.js';
export { isQueueTelephony, type PromptSpeech, type PromptVoice, type QueueTelephony } from './voice-routing.ports.js';
