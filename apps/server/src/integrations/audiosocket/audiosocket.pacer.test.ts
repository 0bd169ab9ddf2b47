import { describe, expect, it } from 'vitest';
import { FramePacer, FrameSchedule, type PacedTask, type PacerTimers } from './audiosocket.pacer.js';

/** Timers on a hand-moved clock. `advance` fires due timers in order, late by `lateMs`. */
class ManualTimers implements PacerTimers {
  time = 0;
  lateMs = 0;
  private timers: { at: number; callback: () => void; isCancelled: boolean }[] = [];

  now(): number {
    return this.time;
  }

  setTimer(callback: () => void, delayMs: number): { cancel(): void } {
    // Like Node: a 0 ms timeout still waits for the next turn, about 1 ms.
    const entry = { at: this.time + Math.max(1, delayMs), callback, isCancelled: false };
    this.timers.push(entry);
    return { cancel: () => (entry.isCancelled = true) };
  }

  advance(ms: number): void {
    const end = this.time + ms;
    for (let guard = 0; guard < 100_000; guard++) {
      this.timers = this.timers.filter((timer) => !timer.isCancelled);
      const next = this.timers.reduce<(typeof this.timers)[number] | undefined>(
        (earliest, timer) => (!earliest || timer.at < earliest.at ? timer : earliest),
        undefined,
      );
      if (!next || next.at + this.lateMs > end) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.time = Math.max(this.time, next.at + this.lateMs);
      next.callback();
    }
    this.time = end;
  }
}

describe('FrameSchedule', () => {
  it('keeps frame n at start + n x 20 ms however late each wake-up is', () => {
    const schedule = new FrameSchedule(1000);
    let now = 1000;
    for (let frame = 0; frame < 1000; frame++) {
      now = Math.max(now, schedule.dueAt) + (frame % 3); // 0-2 ms late, every time
      schedule.advance(now);
    }
    expect(schedule.dueAt).toBe(1000 + 1000 * 20);
    expect(schedule.skippedSlots).toBe(0);
  });

  it('drains a short stall at most at twice real time, never in a burst', () => {
    const schedule = new FrameSchedule(0);
    schedule.advance(0);
    const sentAt: number[] = [];
    let now = 50; // frames 1 and 2 are late
    for (let i = 0; i < 5; i++) {
      now = Math.max(now, schedule.dueAt);
      schedule.advance(now);
      sentAt.push(now);
    }
    expect(sentAt).toEqual([50, 60, 70, 80, 100]);
    expect(schedule.skippedSlots).toBe(0);
  });

  it('skips the slots of a long stall and resumes on the grid', () => {
    const schedule = new FrameSchedule(0);
    schedule.advance(0);
    expect(schedule.advance(205)).toBe(9); // slots 1..9 passed during the stall
    expect(schedule.skippedSlots).toBe(9);
    expect(schedule.nextSlot).toBe(11);
    expect(schedule.dueAt).toBe(220);
  });
});

describe('FramePacer', () => {
  function task(schedule: FrameSchedule, log: number[], id: number, frames = Infinity): PacedTask {
    let sent = 0;
    return {
      get dueAt() {
        return schedule.dueAt;
      },
      onDue(now) {
        schedule.advance(now);
        log.push(id);
        sent += 1;
        return sent < frames;
      },
    };
  }

  it('runs every task on its own 20 ms grid from one timer', () => {
    const timers = new ManualTimers();
    const pacer = new FramePacer(timers);
    const log: number[] = [];
    pacer.schedule(task(new FrameSchedule(0), log, 1));
    timers.advance(5);
    pacer.schedule(task(new FrameSchedule(5), log, 2));
    timers.advance(990 - 5);
    expect(log.filter((id) => id === 1)).toHaveLength(50);
    expect(log.filter((id) => id === 2)).toHaveLength(50);
    expect(log.slice(0, 6)).toEqual([1, 2, 1, 2, 1, 2]);
  });

  it('stops a task that returns false or is unscheduled', () => {
    const timers = new ManualTimers();
    const pacer = new FramePacer(timers);
    const log: number[] = [];
    pacer.schedule(task(new FrameSchedule(0), log, 1, 3));
    const second = task(new FrameSchedule(0), log, 2);
    pacer.schedule(second);
    timers.advance(100);
    pacer.unschedule(second);
    timers.advance(500);
    expect(log.filter((id) => id === 1)).toHaveLength(3);
    expect(log.filter((id) => id === 2).length).toBeLessThanOrEqual(6);
    expect(pacer.size).toBe(0);
  });

  it('keeps 1000 frames on time when every wake-up is 2 ms late', () => {
    const timers = new ManualTimers();
    timers.lateMs = 2;
    const pacer = new FramePacer(timers);
    const log: number[] = [];
    const schedule = new FrameSchedule(0);
    pacer.schedule(task(schedule, log, 1));
    timers.advance(20_000 - 1);
    expect(log).toHaveLength(1000);
    expect(schedule.skippedSlots).toBe(0);
  });

  it('moves a scheduled task when its due time moves, without waking at the old time', () => {
    const timers = new ManualTimers();
    const pacer = new FramePacer(timers);
    const runs: number[] = [];
    let dueAt = 20;
    const moving: PacedTask = {
      get dueAt() {
        return dueAt;
      },
      onDue(now) {
        runs.push(now);
        dueAt = now + 20;
        return true;
      },
    };
    const log: number[] = [];
    pacer.schedule(moving);
    for (let id = 0; id < 50; id++) pacer.schedule(task(new FrameSchedule(id % 20), log, id));
    // A relayed frame goes out every 20 ms and pushes the task 60 ms ahead each time.
    for (let at = 10; at < 500; at += 20) {
      timers.advance(at - timers.time);
      dueAt = at + 60;
      pacer.schedule(moving);
    }
    expect(runs).toEqual([]);
    timers.advance(600 - timers.time);
    // The stream stopped at 490: the task runs from 550 (1 ms early is within the timer's margin).
    expect(runs).toEqual([549, 569, 589]);
    expect(pacer.size).toBe(51);
  });

  it('sends what is due from poll() between reads, before the timer fires', () => {
    const timers = new ManualTimers();
    const pacer = new FramePacer(timers);
    const log: number[] = [];
    pacer.schedule(task(new FrameSchedule(0.4), log, 1));
    timers.time = 0.5; // a read arrived; the 1 ms timer has not fired yet
    pacer.poll();
    expect(log).toEqual([1]);
    pacer.poll();
    expect(log).toEqual([1]);
  });
});
