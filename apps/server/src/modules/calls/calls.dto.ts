import type { CallDto, CallNoteDto } from '@switchboard/contracts';
import type { Call, CallNote } from './calls.js';

const iso = (date: Date | null) => date?.toISOString() ?? null;

export function toCallDto(call: Call): CallDto {
  return {
    id: call.id,
    call_id: call.id,
    agent_id: call.agentId,
    direction: call.direction,
    status: call.status,
    from_number: call.fromNumber,
    to_number: call.toNumber,
    asterisk_unique_id: call.asteriskUniqueId,
    started_at: call.createdAt.toISOString(),
    ringing_at: iso(call.ringingAt),
    answered_at: iso(call.answeredAt),
    ended_at: iso(call.endedAt),
    duration_seconds: call.durationSeconds,
    billable_seconds: call.billableSeconds,
    hangup_cause: call.hangupCause,
    hangup_cause_text: call.hangupCauseText,
    ended_by: call.endedBy,
    transferred_to: call.transferredTo,
    has_recording: call.hasRecording,
  };
}

export function toCallNoteDto(note: CallNote): CallNoteDto {
  return {
    id: note.id,
    call_id: note.callId,
    author_id: note.authorId,
    author_name: note.authorName,
    body: note.body,
    created_at: note.createdAt.toISOString(),
  };
}
