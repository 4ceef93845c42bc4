// ML-Agents' schedules of an off-policy trainer: the learning-rate decay, summary and checkpoint
// boundaries, when a gradient update is due, and the update counter a step count implies.
import type { MutableHyperparameters } from "../hyperparameters.js";

/** The hyperparameters that decide when updates are due. */
export type UpdatePace = Pick<MutableHyperparameters, "steps_per_update" | "buffer_init_steps">;

/** ML-Agents' linear schedule: decays from lr0 to 1e-10 at max_steps (polynomial_decay, power 1). */
export function linearLearningRate(lr0: number, step: number, maxSteps: number): number {
  const min = 1e-10;
  if (maxSteps <= 0) return min;
  return (lr0 - min) * (1 - Math.min(step, maxSteps) / maxSteps) + min;
}

/** The learning rate at `step`: learning_rate itself, or its linear decay to max_steps. */
export function scheduledLearningRate(hp: Pick<MutableHyperparameters, "learning_rate" | "learning_rate_schedule">, step: number, maxSteps: number): number {
  return hp.learning_rate_schedule === "linear" ? linearLearningRate(hp.learning_rate, step, maxSteps) : hp.learning_rate;
}

/** ML-Agents _get_next_interval_step: the next multiple of `interval` strictly after `step`. */
export function nextIntervalStep(step: number, interval: number): number {
  return step + (interval - (step % interval));
}

/** ML-Agents' test: is an update due at `step` while the update counter is at `updateSteps`? */
export function updateDue(step: number, updateSteps: number, pace: UpdatePace): boolean {
  return (step - pace.buffer_init_steps) / updateSteps > pace.steps_per_update;
}

/** How many updates are due at `step` from counter `updateSteps` on: what a loop over updateDue runs. */
export function dueUpdateCount(step: number, updateSteps: number, pace: UpdatePace): number {
  // Closed form, then settled with the loop's own test (float division is monotone in u).
  let k = Math.max(0, Math.ceil((step - pace.buffer_init_steps) / pace.steps_per_update) - updateSteps);
  while (k > 0 && !updateDue(step, updateSteps + k - 1, pace)) k--;
  while (updateDue(step, updateSteps + k, pace)) k++;
  return k;
}

/**
 * The update counter a step count implies, as ML-Agents' OffPolicyTrainer.add_policy sets it on
 * load (int(max(1, step / steps_per_update))), except that buffer_init_steps is subtracted as in
 * the schedule's own condition: ML-Agents' form pauses updates for buffer_init_steps steps after
 * every resume.
 */
export function impliedUpdateSteps(step: number, stepsPerUpdate: number, bufferInitSteps: number): number {
  return Math.floor(Math.max(1, (step - bufferInitSteps) / stepsPerUpdate));
}

/**
 * The counter an exact copy of a state keeps: its own; one that lags behind the step (a legacy
 * state without it) is moved forward so the ratio holds, instead of a burst of catch-up updates.
 */
export function copiedUpdateSteps(savedUpdateSteps: number, step: number, pace: UpdatePace): number {
  const consistent = Math.floor(Math.max(0, step - pace.buffer_init_steps) / pace.steps_per_update);
  return Math.max(savedUpdateSteps, consistent, 1);
}
