// The losses of each gradient update as ML-Agents' TensorBoard stats.
import type { StatsAccumulator } from "../stats/stats-accumulator.js";
import { Tags } from "../stats/trainer-summary.js";
import type { UpdateLosses } from "./sac-engine.js";

/** UpdateLosses field -> ML-Agents TensorBoard tag (the learning rate is reported per summary). */
const updateTags = {
  q1Loss: Tags.q1Loss,
  q2Loss: Tags.q2Loss,
  policyLoss: Tags.policyLoss,
  entropy: Tags.entropy,
  continuousEntropyCoeff: Tags.continuousEntropyCoeff,
  discreteEntropyCoeff: Tags.discreteEntropyCoeff,
} as const satisfies Partial<Record<keyof UpdateLosses, string>>;

/** Adds one update's losses to `stats`; a null loss (no such action part) adds nothing. */
export function recordUpdateLosses(stats: StatsAccumulator, losses: UpdateLosses): void {
  for (const [field, tag] of Object.entries(updateTags) as [keyof typeof updateTags, string][]) {
    const value = losses[field];
    if (value !== null) stats.add(tag, value);
  }
}
