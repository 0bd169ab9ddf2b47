/**
 * Which chats began waiting while the console was away (ADR 31). An agent who picks chats
 * up by hand hears of a waiting chat through the `unassigned` events; a console that is
 * disconnected hears nothing, and the replay after a reconnection carries no watched
 * topic. So after each answered re-watch the work centre reads the waiting list and
 * compares it with what was waiting when the console last knew: the first read only
 * learns the list (the page's first load raises no toast for chats already waiting).
 *
 * An event heard while a read is in flight is newer than the read: the read says nothing
 * of that conversation.
 */
export class WaitingLedger {
  /** Waiting as the console last knew (the last read, then the events); null before a read. */
  private known: Set<string> | null = null;
  /** Each conversation an event spoke of since the read in flight began, and whether it waits. */
  private heard: Map<string, boolean> | null = null;

  /** The console stopped watching (the agent joined a chat queue): a later watch starts afresh. */
  reset(): void {
    this.known = null;
    this.heard = null;
  }

  beginRead(): void {
    this.heard = new Map();
  }

  /** An event about `conversationId`, after which it waits for an agent or not. */
  hear(conversationId: string, isWaiting: boolean): void {
    this.heard?.set(conversationId, isWaiting);
    if (isWaiting) this.known?.add(conversationId);
    else this.known?.delete(conversationId);
  }

  /**
   * The read's answer: `waitingIds` (every waiting chat when `isComplete`, else the newest
   * page of them). Returns the chats that began waiting since the console last knew (none on
   * the first read) and, when the list was complete, every chat waiting now.
   */
  endRead(
    waitingIds: readonly string[],
    isComplete: boolean,
  ): { began: string[]; waiting: ReadonlySet<string> | null } {
    const heard = this.heard ?? new Map<string, boolean>();
    const before = this.known;
    const read = waitingIds.filter((id) => !heard.has(id));
    // A page that is not the whole list cannot tell that a known chat stopped waiting.
    const now = new Set(isComplete || before === null ? read : [...before, ...read]);
    for (const [id, isWaiting] of heard) {
      if (isWaiting) now.add(id);
      else now.delete(id);
    }
    this.known = now;
    this.heard = null;
    return {
      began: before === null ? [] : read.filter((id) => !before.has(id)),
      waiting: isComplete ? now : null,
    };
  }
}
