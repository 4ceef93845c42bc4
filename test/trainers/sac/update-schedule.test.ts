// ML-Agents' update schedule as pure functions, each checked against the schedule written out
// directly: "while (step - buffer_init_steps) / update_steps > steps_per_update: update".
import { describe, expect, it } from "vitest";
import { copiedUpdateSteps, dueUpdateCount, impliedUpdateSteps, linearLearningRate, scheduledLearningRate, updateDue } from "../../../src/trainers/sac/update-schedule.js";

/** ML-Agents' loop, one update at a time. */
function loopCount(step: number, updateSteps: number, spu: number, init: number): number {
  let u = updateSteps;
  while ((step - init) / u > spu) u++;
  return u - updateSteps;
}

describe("update schedule", () => {
  it("updateDue is ML-Agents' condition", () => {
    const pace = { steps_per_update: 10, buffer_init_steps: 100 };
    expect(updateDue(121, 2, pace)).toBe(true); // 21 / 2 = 10.5 > 10
    expect(updateDue(120, 2, pace)).toBe(false); // 20 / 2 = 10 is not > 10
  });

  it("dueUpdateCount equals the loop, float ratios and lagging or leading counters included", () => {
    let s = 12345;
    const rand = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 2 ** 32);
    for (let i = 0; i < 2000; i++) {
      const spu = [0.1, 0.3, 1, 2.5, 7, 20][i % 6]!;
      const init = Math.floor(rand() * 50);
      const step = init + Math.floor(rand() * 5000);
      const updateSteps = 1 + Math.floor(rand() * (3 * step / spu + 2));
      expect(dueUpdateCount(step, updateSteps, { steps_per_update: spu, buffer_init_steps: init }), `step ${step} u ${updateSteps} spu ${spu} init ${init}`).toBe(
        loopCount(step, updateSteps, spu, init),
      );
    }
  });

  it("impliedUpdateSteps re-derives the counter from the step; copiedUpdateSteps keeps a copy's own unless it lags", () => {
    expect(impliedUpdateSteps(1050, 10, 50)).toBe(100);
    expect(impliedUpdateSteps(10, 10, 50)).toBe(1);
    const pace = { steps_per_update: 10, buffer_init_steps: 50 };
    expect(copiedUpdateSteps(120, 1050, pace)).toBe(120); // ahead of the ratio: kept exactly
    expect(copiedUpdateSteps(3, 1050, pace)).toBe(100); // a legacy state: moved to floor(1000 / 10)
    expect(copiedUpdateSteps(0, 20, pace)).toBe(1); // never below ML-Agents' start value
    expect(loopCount(1050, copiedUpdateSteps(3, 1050, pace), 10, 50)).toBe(0); // no catch-up burst
  });

  it("scheduledLearningRate: constant, or linear decay to 1e-10 at max_steps", () => {
    expect(scheduledLearningRate({ learning_rate: 3e-4, learning_rate_schedule: "constant" }, 500, 1000)).toBe(3e-4);
    expect(scheduledLearningRate({ learning_rate: 3e-4, learning_rate_schedule: "linear" }, 500, 1000)).toBeCloseTo((3e-4 - 1e-10) * 0.5 + 1e-10, 15);
    expect(scheduledLearningRate({ learning_rate: 3e-4, learning_rate_schedule: "linear" }, 700, 1000)).toBe(linearLearningRate(3e-4, 700, 1000));
    expect(scheduledLearningRate({ learning_rate: 3e-4, learning_rate_schedule: "linear" }, 2000, 1000)).toBe(1e-10);
  });
});
