/**
 * The wallboard's snapshot from the live rows and today's report totals. Agent states
 * follow routing's (an agent away is paused, in wrap-up until it ends, busy without room
 * for another item).
 */
import type { WallboardAgentState, WallboardDto } from '@switchboard/contracts';
import type { ReportRow } from './reports.js';
import type { AgentRow, LiveEntry } from './reports.repository.js';

export type Wallboard = WallboardDto;

export function agentStateOf(agent: AgentRow, now: Date): WallboardAgentState {
  if (agent.status === 'offline' || !agent.isConnected) return 'offline';
  if (agent.status === 'away') return 'paused';
  if (agent.wrapUpUntil && agent.wrapUpUntil > now) return 'wrap_up';
  if (agent.status === 'busy' || agent.currentItems >= agent.chatCapacity) return 'busy';
  return 'available';
}

export function buildWallboard(input: {
  now: Date;
  timeZone: string;
  queues: { id: string; name: string; service_level_seconds: number; service_level_target: number }[];
  waiting: LiveEntry[];
  agents: AgentRow[];
  queueToday: ReportRow[];
  queueRecent: ReportRow[];
  agentToday: ReportRow[];
}): Wallboard {
  const { now } = input;
  const allOf = (rows: ReportRow[], id: string) => rows.find((r) => r.subject_id === id && r.channel === 'all');
  const states = new Map(input.agents.map((a) => [a.agentId, agentStateOf(a, now)]));
  const queues = input.queues.map((queue) => {
    const waiting = input.waiting.filter((e) => e.queueId === queue.id);
    const oldest = waiting.reduce<Date | null>(
      (min, e) => (min === null || e.originalEnqueuedAt < min ? e.originalEnqueuedAt : min),
      null,
    );
    const today = allOf(input.queueToday, queue.id);
    const recent = allOf(input.queueRecent, queue.id);
    const agents = { available: 0, busy: 0, wrap_up: 0, paused: 0, offline: 0 };
    const pausedByReason: Record<string, number> = {};
    for (const agent of input.agents) {
      if (!agent.queueIds.includes(queue.id)) continue;
      const state = states.get(agent.agentId) ?? 'offline';
      agents[state] += 1;
      if (state === 'paused') {
        const reason = agent.pauseReason ?? '';
        pausedByReason[reason] = (pausedByReason[reason] ?? 0) + 1;
      }
    }
    return {
      queue_id: queue.id,
      name: queue.name,
      service_level_seconds: queue.service_level_seconds,
      service_level_target: queue.service_level_target,
      waiting: waiting.length,
      oldest_enqueued_at: oldest?.toISOString() ?? null,
      service_level_today: today?.service_level ?? null,
      service_level_30m: recent?.service_level ?? null,
      answered_today: today?.answered ?? 0,
      abandoned_today: today?.abandoned ?? 0,
      asa_seconds_today: today?.asa_seconds ?? null,
      aht_seconds_today: today?.aht_seconds ?? null,
      agents,
      paused_by_reason: pausedByReason,
      waiting_items: waiting.map((e) => ({
        entry_id: e.entryId,
        channel: e.channel,
        label: e.label,
        enqueued_at: e.originalEnqueuedAt.toISOString(),
      })),
    };
  });
  const agents = input.agents.map((agent) => {
    const today = allOf(input.agentToday, agent.agentId);
    const state = states.get(agent.agentId) ?? 'offline';
    return {
      agent_id: agent.agentId,
      name: agent.name,
      status: agent.status,
      state,
      pause_reason: state === 'paused' ? agent.pauseReason : null,
      state_since: agent.statusChangedAt?.toISOString() ?? null,
      current_items: agent.currentItems,
      handled_today: today?.handled ?? 0,
      aht_seconds_today: today?.aht_seconds ?? null,
      occupancy_today: today?.occupancy ?? null,
      queue_ids: agent.queueIds,
    };
  });
  return { at: now.toISOString(), tz: input.timeZone, queues, agents };
}
