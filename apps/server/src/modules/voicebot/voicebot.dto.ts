import type {
  IntercomCallDto,
  IntercomSettingsDto,
  ResidentDto,
  TranscriptLineDto,
  UnitDto,
} from '@switchboard/contracts';
import type { IntercomCall, IntercomSettings, Resident, TranscriptLine, Unit } from './voicebot.js';

const iso = (date: Date | null) => date?.toISOString() ?? null;

export function toUnitDto(unit: Unit): UnitDto {
  return {
    id: unit.id,
    number: unit.number,
    label: unit.label,
    resident_count: unit.residentCount,
    created_at: unit.createdAt.toISOString(),
    updated_at: unit.updatedAt.toISOString(),
  };
}

export function toResidentDto(resident: Resident): ResidentDto {
  return {
    id: resident.id,
    unit_id: resident.unitId,
    unit_number: resident.unitNumber,
    name: resident.name,
    phone: resident.phone,
    sip_extension: resident.sipExtension,
    priority: resident.priority,
    is_active: resident.isActive,
    created_at: resident.createdAt.toISOString(),
    updated_at: resident.updatedAt.toISOString(),
  };
}

export function toSettingsDto(settings: IntercomSettings): IntercomSettingsDto {
  return {
    intercom_uuid: settings.intercomUuid,
    gate_webhook_url: settings.gateWebhookUrl,
    has_gate_webhook_secret: settings.gateWebhookSecret !== null,
    updated_at: settings.updatedAt.toISOString(),
  };
}

export function toTranscriptLineDto(line: TranscriptLine): TranscriptLineDto {
  return { seq: line.seq, who: line.who, leg: line.leg, kind: line.kind, text: line.text, at: line.at.toISOString() };
}

export function toIntercomCallDto(call: IntercomCall, transcript?: TranscriptLine[]): IntercomCallDto {
  return {
    id: call.id,
    call_id: call.id,
    status: call.status,
    outcome: call.outcome,
    end_reason: call.endReason,
    unit_id: call.unitId,
    unit_number: call.unitNumber,
    resident_id: call.residentId,
    resident_name: call.residentName,
    visitor_name: call.visitorName,
    purpose: call.purpose,
    gate: {
      status: call.gateStatus,
      attempts: call.gateAttempts,
      http_status: call.gateHttpStatus,
      error: call.gateError,
      at: iso(call.gateAt),
    },
    started_at: call.startedAt.toISOString(),
    resident_answered_at: iso(call.residentAnsweredAt),
    ended_at: iso(call.endedAt),
    ...(transcript ? { transcript: transcript.map(toTranscriptLineDto) } : {}),
  };
}
