import type { CallConsultDto, CallDto, CallMonitorDto, CallNoteDto } from '@switchboard/contracts';
import type { CallConsult, CallMonitor } from './call-sessions.js';
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
    held_at: iso(call.heldAt),
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

export function toCallMonitorDto(monitor: CallMonitor): CallMonitorDto {
  return {
    id: monitor.id,
    call_id: monitor.callId,
    supervisor_id: monitor.supervisorId,
    mode: monitor.mode,
    status: monitor.status,
    modes: monitor.modes,
    started_at: monitor.startedAt.toISOString(),
    answered_at: iso(monitor.answeredAt),
    ended_at: iso(monitor.endedAt),
    end_reason: monitor.endReason,
  };
}

export function toCallConsultDto(consult: CallConsult): CallConsultDto {
  return {
    id: consult.id,
    call_id: consult.callId,
    agent_id: consult.agentId,
    target: consult.target,
    target_kind: consult.targetKind,
    target_user_id: consult.targetUserId,
    status: consult.status,
    end_reason: consult.endReason,
    timeline: consult.timeline,
    started_at: consult.startedAt.toISOString(),
    answered_at: iso(consult.answeredAt),
    ended_at: iso(consult.endedAt),
  };
}
