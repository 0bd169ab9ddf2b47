import type { AgentPresenceChanged, AgentPresenceDto } from '@switchboard/contracts';
import { isAvailable, type PresenceChange, type PresenceView } from './presence.js';

const iso = (date: Date | null) => date?.toISOString() ?? null;

export function toPresenceDto(presence: PresenceView): AgentPresenceDto {
  return {
    agent_id: presence.agentId,
    agent_name: presence.agentName,
    role: presence.role,
    status: presence.status,
    message: presence.message,
    last_heartbeat: iso(presence.lastHeartbeatAt),
    websocket_connected: presence.isConnected,
    status_changed_at: iso(presence.statusChangedAt),
    is_available: presence.isAvailable,
    is_inactive: presence.isInactive,
    time_in_status_seconds: presence.secondsInStatus,
    pause_reason: presence.pause?.name ?? null,
  };
}

/** The seed's event fields (`agent_id`, `status`, `message`, `timestamp`) and what changed. */
export function toPresenceChangedData(change: PresenceChange): AgentPresenceChanged {
  return {
    agent_id: change.agentId,
    status: change.after.status,
    previous_status: change.before.status,
    message: change.after.message,
    websocket_connected: change.after.isConnected,
    is_available: isAvailable(change.after),
    status_changed_at: iso(change.after.statusChangedAt),
    reason: change.reason,
    pause_reason: change.after.pause?.name ?? null,
    timestamp: change.at.toISOString(),
  };
}
