/**
 * An agent on a queue call is `busy`, and goes back to the status they had once the call
 * and its wrap-up are over, unless they chose another status meanwhile. The status to
 * return to is kept in routing_agents.status_before_busy, so any node can restore it.
 */
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { AgentPresencePort } from './voice-routing.ports.js';
import type { VoiceRoutingRepository } from './voice-routing.repository.js';

export class BusyAgents {
  constructor(
    private readonly deps: {
      presence: AgentPresencePort;
      repository: VoiceRoutingRepository;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  async markBusy(companyId: string, agentId: string): Promise<void> {
    try {
      const status = await this.deps.presence.statusOf(companyId, agentId);
      await this.deps.repository.rememberStatusBeforeBusy(companyId, agentId, status, this.deps.clock.now());
      if (status !== 'busy') await this.deps.presence.setStatus(companyId, agentId, 'busy');
    } catch (error) {
      this.deps.logger.warn({ err: error, agentId }, 'agent not set busy');
    }
  }

  /** One agent (their call just ended), or every agent whose wrap-up is over (the tick). */
  async restore(agent?: { companyId: string; agentId: string }): Promise<void> {
    const due = await this.deps.repository.claimStatusesToRestore(this.deps.clock.now(), agent);
    for (const item of due) {
      try {
        if (item.status === 'busy') continue;
        if ((await this.deps.presence.statusOf(item.companyId, item.agentId)) !== 'busy') continue;
        await this.deps.presence.setStatus(item.companyId, item.agentId, item.status as 'online' | 'away' | 'offline');
      } catch (error) {
        this.deps.logger.warn({ err: error, agentId: item.agentId }, 'agent status not restored');
      }
    }
  }
}
