// ML-Agents' schedules of an off-policy trainer: the learning-rate decay, summary and checkpoint
// boundaries, and the update counter a step count implies.

/** ML-Agents' linear schedule: decays from lr0 to 1e-10 at max_steps (polynomial_decay, power 1). */
export function linearLearningRate(lr0: number, step: number, maxSteps: number): number {
  const min = 1e-10;
  if (maxSteps <= 0) return min;
  return (lr0 - min) * (1 - Math.min(step, maxSteps) / maxSteps) + min;
}

/** ML-Agents _get_next_interval_step: the next multiple of `interval` strictly after `step`. */
export function nextIntervalStep(step: number, interval: number): number {
  return step + (interval - (step % interval));
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
