import { describe, expect, it } from "vitest";
import { parseRunOptions } from "../../src/config/index.js";
import { checkpointInterval, IntervalSchedule, nextIntervalStep } from "../../src/run/interval-schedule.js";

function settings(yaml: string) {
  return parseRunOptions(`default_settings:\n  trainer_type: sac\n${yaml}`).default_settings!;
}

describe("summary and checkpoint schedules", () => {
  it("nextIntervalStep is the next multiple strictly after the step (ML-Agents _get_next_interval_step)", () => {
    expect(nextIntervalStep(0, 50)).toBe(50);
    expect(nextIntervalStep(50, 50)).toBe(100);
    expect(nextIntervalStep(51, 50)).toBe(100);
  });

  it("one answer per boundary crossed, labelled with the boundary; several crossed at once count once", () => {
    const s = new IntervalSchedule(30);
    const due: (number | null)[] = [0, 10, 29, 30, 31, 59, 61, 95, 120, 121].map((step) => s.take(step));
    expect(due).toEqual([null, null, null, 30, null, null, 60, 90, 120, null]);
  });

  it("a resumed trainer counts from its step", () => {
    const s = new IntervalSchedule(1000, 2500);
    expect(s.take(2999)).toBeNull();
    expect(s.take(3001)).toBe(3000);
    s.restart(5000);
    expect(s.take(5500)).toBeNull();
    expect(s.take(6000)).toBe(6000);
  });

  it("checkpoint_interval, or max_steps / keep_checkpoints with even_checkpoints", () => {
    expect(checkpointInterval(settings("  checkpoint_interval: 30\n"))).toBe(30);
    expect(checkpointInterval(settings("  even_checkpoints: true\n  keep_checkpoints: 4\n  max_steps: 40\n"))).toBe(10);
  });
});
