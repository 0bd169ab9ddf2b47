/**
 * What routing needs from outside (conversations, presence), and the port the voice side
 * implements to carry calls: the engine decides, the channel does.
 */
import type { Offer, QueueEntry, RoutingChannel } from './routing.js';

/** A transaction the engine opened; the conversations module joins it. */
export type TransactionScope = object;

export interface RoutableConversation {
  id: string;
  companyId: string;
  channel: RoutingChannel;
  status: 'open' | 'pending' | 'resolved' | 'snoozed';
  assigneeId: string | null;
  awaitingHuman: boolean;
  label: string | null;
}

export interface ConversationsPort {
  find(companyId: string, conversationId: string): Promise<RoutableConversation | undefined>;
  /** `gone`: the conversation no longer waits (closed, or taken by hand). */
  assignInTransaction(
    scope: TransactionScope,
    input: { companyId: string; conversationId: string; agentId: string; now: Date },
  ): Promise<{ kind: 'assigned'; previousAssigneeId: string | null } | { kind: 'gone' }>;
  releaseInTransaction(
    scope: TransactionScope,
    input: { companyId: string; conversationId: string; fromAgentId?: string; now: Date },
  ): Promise<{ kind: 'released'; previousAssigneeId: string | null } | { kind: 'gone' }>;
  holdForBot(companyId: string, conversationId: string): Promise<void>;
  handOver(companyId: string, conversationId: string): Promise<void>;
  announceAssignment(companyId: string, conversationId: string, previousAssigneeId: string | null): Promise<void>;
  hasAgentReplied(companyId: string, conversationId: string, since: Date): Promise<boolean>;
  /** `interactive`: WhatsApp buttons or a list carrying the same choice; other channels get `text`. */
  sendBotMessage(
    companyId: string,
    conversationId: string,
    text: string,
    interactive?: {
      style: 'button' | 'list';
      body: string;
      buttonLabel: string | null;
      options: { id: string; title: string; description: string | null }[];
    },
  ): Promise<void>;
}

/** What the company writes to customers (the customer-messages module), rendered. */
export interface RoutingTexts {
  textOf(
    companyId: string,
    key: 'menu' | 'menu_retry' | 'queue_position' | 'queue_next' | 'business_hours',
    variables: { 'queue.position'?: number; 'queue.wait_minutes'?: number },
  ): Promise<string>;
}

export interface PresencePort {
  /** Sets the agent `away` with a system pause reason (`missed_offers`); colleagues and the agent are told. */
  setAway(companyId: string, agentId: string, reason: string): Promise<void>;
}

/**
 * Told after each decision commits, on the node that made it. The voice side rings the
 * agent's device on `offered` (voice), bridges on `assigned`, stops ringing on
 * `offerEnded`, and carries out `overflowed` actions `voicemail` and `callback`.
 */
export interface RoutingListener {
  offered?(offer: Offer, entry: QueueEntry): void | Promise<void>;
  offerEnded?(offer: Offer, entry: QueueEntry): void | Promise<void>;
  assigned?(entry: QueueEntry): void | Promise<void>;
  ended?(entry: QueueEntry): void | Promise<void>;
  overflowed?(entry: QueueEntry, action: Record<string, unknown>): void | Promise<void>;
}
