// Each update's losses become ML-Agents' TensorBoard stats; a loss an action space does not have
// (null) adds nothing, and the per-summary learning rate is not taken from the losses.
import { describe, expect, it } from "vitest";
import { StatsAccumulator } from "../../../src/trainers/stats/stats-accumulator.js";
import { recordUpdateLosses } from "../../../src/trainers/sac/update-stats.js";

describe("recordUpdateLosses", () => {
  it("averages each loss under its ML-Agents tag and skips null ones", () => {
    const stats = new StatsAccumulator();
    const base = { q1Loss: 1, q2Loss: 2, policyLoss: -3, entropy: 0.5, learningRate: 3e-4, continuousEntropyCoeff: null, discreteEntropyCoeff: 0.2, discreteAlphas: [0.2] };
    recordUpdateLosses(stats, base);
    recordUpdateLosses(stats, { ...base, q1Loss: 3, discreteEntropyCoeff: 0.4 });
    expect(stats.drain()).toEqual({
      "Losses/Q1 Loss": 2,
      "Losses/Q2 Loss": 2,
      "Losses/Policy Loss": -3,
      "Policy/Entropy": 0.5,
      "Policy/Discrete Entropy Coeff": expect.closeTo(0.3, 12),
    });
  });
});
