// What a trainer reports every summary_freq steps, keyed by ML-Agents' TensorBoard tag names so
// stats.jsonl, TensorBoard and ML-Agents' docs read the same.

/** ML-Agents tag names used by the SAC trainer (docs/protocol.md §8.3; ML-Agents spells "Coeff"). */
export const Tags = {
  cumulativeReward: "Environment/Cumulative Reward",
  episodeLength: "Environment/Episode Length",
  q1Loss: "Losses/Q1 Loss",
  q2Loss: "Losses/Q2 Loss",
  policyLoss: "Losses/Policy Loss",
  valueLoss: "Losses/Value Loss",
  entropy: "Policy/Entropy",
  continuousEntropyCoeff: "Policy/Continuous Entropy Coeff",
  discreteEntropyCoeff: "Policy/Discrete Entropy Coeff",
  learningRate: "Policy/Learning Rate",
  isTraining: "Is Training",
  /** Mix & Match: α_K, the target component's share of the decisions (docs/mix-and-match.md §5). */
  mixAndMatchAlpha: "Mix&Match/Alpha",
  /** Mix & Match: prefix of "Mix&Match/Decisions [component i]", the share component i took. */
  mixAndMatchDecisions: "Mix&Match/Decisions",
} as const;

/** How values of one stat key combine over a summary period: the StatsSideChannel's own enum (docs/protocol.md §5.6). */
export { StatsAggregationMethod } from "../../protocol/side-channel/stats.js";

export interface TrainerSummary {
  readonly behaviorName: string;
  /** Trainer step the summary is written at (the summary_freq multiple that was crossed). */
  readonly step: number;
  /** false once max_steps is passed or in inference (console "Not Training"). */
  readonly isTraining: boolean;
  /** Finished episodes since the last summary; null when none finished. */
  readonly episodes: { readonly count: number; readonly meanReward: number; readonly stdReward: number; readonly meanLength: number } | null;
  /** Aggregated values by tag (losses, entropy, learning rate, environment stats). */
  readonly values: Readonly<Record<string, number>>;
}
