/**
 * Timing of outbound AudioSocket frames.
 *
 * Asterisk has no jitter buffer on the AudioSocket side: app_audiosocket writes each frame
 * it reads straight to the channel, so the server is the clock of the audio it sends.
 *
 * Policy (FrameSchedule):
 * - Frame n is due at start + n x 20 ms, an absolute deadline: a late wake-up never shifts
 *   the frames after it, so there is no drift.
 * - After a short stall (the event loop was busy, less than 3 frames late) the missed frames
 *   are still sent, but never closer than 10 ms apart: the backlog drains at twice real time
 *   instead of in one burst that would reach the caller as a crackle.
 * - After a longer stall (3 frames, 60 ms, or more) the missed slots are skipped and counted:
 *   the timeline resumes at the current slot. Queued audio is not dropped, it plays from the
 *   next slot, later by the length of the stall; catching up 60 ms+ would only add latency.
 *
 * - `restart(at)` moves the grid: frame 0 of a new timeline is due at `at` (still no closer
 *   than 10 ms to the previous frame). The player restarts it when audio reaches an idle
 *   session, so a prompt starts at once instead of at the next slot of the silence grid.
 *
 * One FramePacer serves every session of a server: a binary heap ordered by due time and a
 * single timer, so a thousand sessions cost one wake-up per millisecond, not a thousand
 * timers. A task whose `dueAt` moved later since it was queued is simply queued again
 * when its old entry comes up.
 */
export const FRAME_MS = 20;
export const MIN_FRAME_GAP_MS = 10;
export const MAX_LAG_FRAMES = 3;
/** Node timers have millisecond resolution: a frame due within this margin goes now. */
export const DUE_MARGIN_MS = 1;

export class FrameSchedule {
  private startAt: number;
  private slot = 0;
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private skipped = 0;

  constructor(startAt: number) {
    this.startAt = startAt;
  }

  get dueAt(): number {
    return Math.max(this.startAt + this.slot * FRAME_MS, this.lastSentAt + MIN_FRAME_GAP_MS);
  }

  get skippedSlots(): number {
    return this.skipped;
  }

  /** When the last frame went out (-Infinity before the first). */
  get lastSent(): number {
    return this.lastSentAt;
  }

  /** A new timeline whose frame 0 is due at `at`. */
  restart(at: number): void {
    this.startAt = at;
    this.slot = 0;
  }

  /** A frame went out at `now` outside the grid (relayed audio); the next is due at `nextAt`. */
  sentOffGrid(now: number, nextAt: number): void {
    this.lastSentAt = now;
    this.restart(nextAt);
  }

  /** Index of the frame to send next. */
  get nextSlot(): number {
    return this.slot;
  }

  /** Takes the next slot at `now`; returns how many slots the lag rule skipped first. */
  advance(now: number): number {
    const current = Math.floor((now - this.startAt) / FRAME_MS);
    let skippedNow = 0;
    if (current - this.slot >= MAX_LAG_FRAMES) {
      skippedNow = current - this.slot;
      this.slot = current;
      this.skipped += skippedNow;
    }
    this.slot += 1;
    this.lastSentAt = now;
    return skippedNow;
  }
}

export interface PacedTask {
  /** Monotonic time (ms) at which `onDue` should run next. */
  readonly dueAt: number;
  /** Runs at or just after `dueAt`; returns false to leave the pacer. */
  onDue(now: number): boolean;
}

/** A task's place in the heap, kept while the task stays scheduled (no allocation per frame). */
interface HeapEntry {
  at: number;
  readonly task: PacedTask;
  /** Position in the heap; -1 while out of it (running, or left). */
  index: number;
}

export interface PacerTimers {
  now(): number;
  setTimer(callback: () => void, delayMs: number): { cancel(): void };
}

export const realTimers: PacerTimers = {
  now: () => performance.now(),
  setTimer(callback, delayMs) {
    const timer = setTimeout(callback, delayMs);
    // The pacer alone never keeps the process alive; the sockets it writes to do.
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

export class FramePacer {
  private readonly timers: PacerTimers;
  private readonly heap: HeapEntry[] = [];
  private readonly entries = new Map<PacedTask, HeapEntry>();
  private readonly again: HeapEntry[] = [];
  private timer: { cancel(): void } | undefined;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(timers: PacerTimers = realTimers) {
    this.timers = timers;
  }

  now(): number {
    return this.timers.now();
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Adds the task, or moves it to its current `dueAt` if it is already in: a task whose due
   * time moved later (a relayed frame went out) then never wakes the timer for nothing.
   */
  schedule(task: PacedTask): void {
    let entry = this.entries.get(task);
    if (!entry) {
      entry = { at: task.dueAt, task, index: -1 };
      this.entries.set(task, entry);
    }
    entry.at = task.dueAt;
    if (entry.index < 0) this.insert(entry);
    else this.fix(entry.index);
    this.arm();
  }

  unschedule(task: PacedTask): void {
    const entry = this.entries.get(task);
    if (!entry) return;
    this.entries.delete(task);
    if (entry.index >= 0) this.removeAt(entry.index);
  }

  /**
   * Sends what is due now. Connections call it after every read: under load reads come
   * many times a millisecond, so frames leave on time between them instead of waiting for
   * the next 1 ms timer tick behind a batch of reads (Node timers have millisecond
   * resolution and run only after the poll phase).
   */
  poll(now: number = this.timers.now()): void {
    const top = this.heap[0];
    if (top === undefined || top.at > now) return;
    this.runDue(now, 0);
    this.arm();
  }

  private readonly run = (): void => {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    this.runDue(this.timers.now(), DUE_MARGIN_MS);
    this.arm();
  };

  private runDue(now: number, marginMs: number): void {
    // Each task runs at most once per pass: kept entries go back after the loop.
    const again = this.again;
    for (let top = this.heap[0]; top && top.at <= now + marginMs; top = this.heap[0]) {
      this.removeAt(0);
      const keep = top.task.onDue(now);
      // Unscheduled, or scheduled anew, while it ran: that call already placed it.
      if (this.entries.get(top.task) !== top || top.index >= 0) continue;
      if (keep) {
        top.at = top.task.dueAt;
        again.push(top);
      } else {
        this.entries.delete(top.task);
      }
    }
    for (const entry of again) this.insert(entry);
    again.length = 0;
  }

  private arm(): void {
    const top = this.heap[0];
    if (!top || top.at >= this.timerAt) return;
    this.timer?.cancel();
    this.timerAt = top.at;
    this.timer = this.timers.setTimer(this.run, Math.max(0, Math.floor(top.at - this.timers.now())));
  }

  // ── binary heap on `at`, each entry knowing its index ─────────────────────

  private insert(entry: HeapEntry): void {
    entry.index = this.heap.length;
    this.heap.push(entry);
    this.siftUp(entry.index);
  }

  private removeAt(index: number): void {
    const heap = this.heap;
    const removed = heap[index] as HeapEntry;
    const last = heap.pop() as HeapEntry;
    removed.index = -1;
    if (last === removed) return;
    heap[index] = last;
    last.index = index;
    this.fix(index);
  }

  private fix(index: number): void {
    if (!this.siftUp(index)) this.siftDown(index);
  }

  /** Returns whether the entry moved. */
  private siftUp(start: number): boolean {
    const heap = this.heap;
    const entry = heap[start] as HeapEntry;
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as HeapEntry;
      if (p.at <= entry.at) break;
      heap[i] = p;
      p.index = i;
      i = parent;
    }
    heap[i] = entry;
    entry.index = i;
    return i !== start;
  }

  private siftDown(start: number): void {
    const heap = this.heap;
    const entry = heap[start] as HeapEntry;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && (heap[right] as HeapEntry).at < (heap[left] as HeapEntry).at ? right : left;
      const c = heap[child] as HeapEntry;
      if (c.at >= entry.at) break;
      heap[i] = c;
      c.index = i;
      i = child;
    }
    heap[i] = entry;
    entry.index = i;
  }
}
