import { describe, expect, it } from "vitest";
import { EnvironmentParameterManager, type LessonStats } from "../../src/config/environment-parameter-manager.js";
import { parseRunOptions } from "../../src/config/run-options.js";
import { createMemoryLogger } from "../../src/util/logger.js";

function manager(yaml: string) {
  const log = createMemoryLogger("info");
  return { m: new EnvironmentParameterManager(parseRunOptions("environment_parameters:\n" + yaml).environment_parameters, log), log };
}
const stats = (over: Partial<LessonStats> = {}): LessonStats[] => [{ behavior: "B", stepsRatio: 0, meanReward: null, episodes: 0, ...over }];

const progressCurriculum = `  p:
    curriculum:
      - name: L0
        completion_criteria: {measure: progress, behavior: B, threshold: 0.3, min_lesson_length: 2}
        value: 1
      - name: L1
        completion_criteria: {measure: progress, behavior: B, threshold: 0.6, require_reset: true}
        value: {sampler_type: uniform, sampler_parameters: {min_value: 0.0, max_value: 4.0}}
      - name: L2
        value: 3
`;

describe("EnvironmentParameterManager", () => {
  it("advances by progress once min_lesson_length episodes are in, one lesson per call", () => {
    const { m, log } = manager(progressCurriculum);
    expect(m.lessonNumber("p")).toBe(0);
    expect(m.updateLessons(stats({ stepsRatio: 0.9, episodes: 1 }))).toEqual({ changed: false, mustReset: false });
    expect(m.updateLessons(stats({ stepsRatio: 0.3, episodes: 2 }))).toEqual({ changed: false, mustReset: false });
    expect(m.updateLessons(stats({ behavior: "Other", stepsRatio: 0.9, episodes: 9 }))).toEqual({ changed: false, mustReset: false });
    expect(m.updateLessons(stats({ stepsRatio: 0.9, episodes: 2 }))).toEqual({ changed: true, mustReset: false });
    expect(m.lessonNumber("p")).toBe(1);
    expect(log.lines).toEqual(["[INFO] Parameter 'p' is in lesson 'L1' and has value 'Uniform sampler: min=0.0, max=4.0'."]);
    expect(m.updateLessons(stats({ stepsRatio: 0.9, episodes: 0 }))).toEqual({ changed: true, mustReset: true });
    expect(m.lessonNumber("p")).toBe(2);
    // last lesson: nothing more to do
    expect(m.updateLessons(stats({ stepsRatio: 1, episodes: 100 }))).toEqual({ changed: false, mustReset: false });
  });

  it("advances by smoothed reward: 0.25 * previous + 0.75 * current", () => {
    const { m } = manager(`  r:
    curriculum:
      - name: A
        completion_criteria: {behavior: B, threshold: 7}
        value: 1
      - name: B
        value: 2
`);
    // smoothed: 0.25*0 + 0.75*8 = 6 (not > 7); then 0.25*6 + 0.75*8 = 7.5 (> 7)
    expect(m.updateLessons(stats({ meanReward: 8, episodes: 1 })).changed).toBe(false);
    expect(m.getState().smoothed_reward!.r).toBeCloseTo(6);
    expect(m.updateLessons(stats({ meanReward: 8, episodes: 1 })).changed).toBe(true);
    expect(m.lessonNumber("r")).toBe(1);
  });

  it("without smoothing, compares the raw mean reward; needs at least one episode", () => {
    const { m } = manager(`  r:
    curriculum:
      - name: A
        completion_criteria: {behavior: B, threshold: 7, signal_smoothing: false}
        value: 1
      - name: B
        value: 2
`);
    expect(m.updateLessons(stats({ meanReward: 8, episodes: 0 })).changed).toBe(false);
    expect(m.updateLessons(stats({ meanReward: Number.NaN, episodes: 3 })).changed).toBe(false);
    expect(m.updateLessons(stats({ meanReward: 7, episodes: 3 })).changed).toBe(false);
    expect(m.updateLessons(stats({ meanReward: 7.01, episodes: 3 })).changed).toBe(true);
  });

  it("gives seedless samplers run_seed + offset over all lessons of all parameters in config order", () => {
    const { m } = manager(`  "2":
    sampler_type: gaussian
    sampler_parameters: {mean: 0, st_dev: 1}
  a: 1.5
  fixed:
    sampler_type: uniform
    sampler_parameters: {seed: 99}
  p:
    curriculum:
      - name: L0
        completion_criteria: {measure: progress, behavior: B, threshold: 0.1}
        value: {sampler_type: uniform, sampler_parameters: {min_value: 1, max_value: 2}}
      - name: L1
        value: {sampler_type: multirangeuniform, sampler_parameters: {intervals: [[0, 1], [4, 5]]}}
`);
    expect([...m.currentValues(100)]).toEqual([
      ["2", { kind: "gaussian", seed: 100, mean: 0, stDev: 1 }],
      ["a", { kind: "float", value: 1.5 }],
      ["fixed", { kind: "uniform", seed: 99, min: 0, max: 1 }],
      ["p", { kind: "uniform", seed: 102, min: 1, max: 2 }],
    ]);
    m.updateLessons(stats({ stepsRatio: 0.5 }));
    expect(m.currentValues(7).get("p")).toEqual({ kind: "multirangeuniform", seed: 10, intervals: [[0, 1], [4, 5]] });
  });

  it("saves and restores lessons; clamps lessons past the end", () => {
    const { m } = manager(progressCurriculum);
    m.updateLessons(stats({ stepsRatio: 0.9, episodes: 5 }));
    const state = m.getState();
    expect(state.lesson_num).toEqual({ p: 1 });
    const { m: restored } = manager(progressCurriculum);
    restored.setState(JSON.parse(JSON.stringify(state)));
    expect(restored.lessonNumber("p")).toBe(1);
    const { m: clamped, log } = manager(progressCurriculum);
    clamped.setState({ lesson_num: { p: 9, unknown: 1 } });
    expect(clamped.lessonNumber("p")).toBe(2);
    expect(log.lines[0]).toContain("past its last lesson");
    clamped.setState({ lesson_num: { p: -1 } });
    expect(clamped.lessonNumber("p")).toBe(2);
  });

  it("reports the reward buffer size curricula need per behavior", () => {
    const { m } = manager(progressCurriculum);
    expect(m.minimumRewardBufferSize("B")).toBe(2);
    expect(m.minimumRewardBufferSize("Other")).toBe(1);
  });

  it("describes plain parameters with the parameter name as lesson", () => {
    const { m } = manager("  mass: 2\n");
    expect(m.describe("mass")).toBe("Parameter 'mass' is in lesson 'mass' and has value 'Float: value=2.0'.");
  });
});
