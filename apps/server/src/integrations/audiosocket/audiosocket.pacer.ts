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
 * One FramePacer serves every session of a server: a binary heap ordered by due time and a
 * single timer, so a thousand sessions cost one wake-up per millisecond, not a thousand
 * timers.
 */
export const FRAME_MS = 20;
export const MIN_FRAME_GAP_MS = 10;
export const MAX_LAG_FRAMES = 3;
/** Node timers have millisecond resolution: a frame due within this margin goes now. */
const DUE_MARGIN_MS = 1;

export class FrameSchedule {
  private readonly startAt: number;
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

interface HeapEntry {
  at: number;
  task: PacedTask;
  token: number;
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
  private readonly tokens = new Map<PacedTask, number>();
  private nextToken = 1;
  private timer: { cancel(): void } | undefined;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(timers: PacerTimers = realTimers) {
    this.timers = timers;
  }

  now(): number {
    return this.timers.now();
  }

  get size(): number {
    return this.tokens.size;
  }

  schedule(task: PacedTask): void {
    const token = this.nextToken++;
    this.tokens.set(task, token);
    this.push({ at: task.dueAt, task, token });
    this.arm();
  }

  unschedule(task: PacedTask): void {
    this.tokens.delete(task);
  }

  private readonly run = (): void => {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = this.timers.now();
    // Each task runs at most once per wake-up: re-queued entries go back after the loop.
    const again: HeapEntry[] = [];
    for (let top = this.heap[0]; top && top.at <= now + DUE_MARGIN_MS; top = this.heap[0]) {
      this.pop();
      if (this.tokens.get(top.task) !== top.token) continue;
      const keep = top.task.onDue(now);
      if (this.tokens.get(top.task) !== top.token) continue;
      if (keep) again.push({ at: top.task.dueAt, task: top.task, token: top.token });
      else this.tokens.delete(top.task);
    }
    for (const entry of again) this.push(entry);
    this.arm();
  };

  private arm(): void {
    while (this.heap[0] && this.tokens.get(this.heap[0].task) !== this.heap[0].token) this.pop();
    const top = this.heap[0];
    if (!top || top.at >= this.timerAt) return;
    this.timer?.cancel();
    this.timerAt = top.at;
    this.timer = this.timers.setTimer(this.run, Math.max(0, Math.floor(top.at - this.timers.now())));
  }

  private push(entry: HeapEntry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as HeapEntry;
      if (p.at <= entry.at) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (!last || heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && (heap[right] as HeapEntry).at < (heap[left] as HeapEntry).at ? right : left;
      if ((heap[child] as HeapEntry).at >= last.at) break;
      heap[i] = heap[child] as HeapEntry;
      i = child;
    }
    heap[i] = last;
  }
}
