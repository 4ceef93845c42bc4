// The summary and checkpoint schedules of one trainer. They are the run's duty, kept here once for
// every trainer (and every member of a population), in trainer steps as ML-Agents counts them.
import type { TrainerSettings } from "../config/index.js";

/** ML-Agents _get_next_interval_step: the next multiple of `interval` strictly after `step`. */
export function nextIntervalStep(step: number, interval: number): number {
  return step + (interval - (step % interval));
}

/** Steps between checkpoints: checkpoint_interval, or max_steps / keep_checkpoints with even_checkpoints. */
export function checkpointInterval(s: TrainerSettings): number {
  if (s.even_checkpoints && s.keep_checkpoints > 0) return Math.max(1, Math.floor(s.max_steps / s.keep_checkpoints));
  return Math.max(1, s.checkpoint_interval);
}

export class IntervalSchedule {
  private next: number;

  /** `step`: where the trainer starts (0, or the step of a resumed checkpoint). */
  constructor(
    private readonly interval: number,
    step = 0,
  ) {
    this.next = nextIntervalStep(step, interval);
  }

  /** The boundary crossed since the last call (consumed: one answer per crossing), or null. */
  take(step: number): number | null {
    if (step === 0 || step < this.next) return null;
    const boundary = this.next;
    this.next = nextIntervalStep(step, this.interval);
    return boundary;
  }

  /** Starts counting from `step` again (the trainer's state was replaced). */
  restart(step: number): void {
    this.next = nextIntervalStep(step, this.interval);
  }
}
