import { describe, expect, it } from "vitest";
import { describeSampler } from "../../src/config/environment-parameters.js";
import { parseRunOptions } from "../../src/config/run-options.js";
import { createMemoryLogger } from "../../src/util/logger.js";
import { configError } from "./helpers.js";

const params = (yaml: string) => parseRunOptions("environment_parameters:\n" + yaml).environment_parameters;

describe("environment_parameters", () => {
  it("a plain number is a one-lesson constant named after the parameter", () => {
    expect(params("  mass: 2.5\n").get("mass")).toEqual({
      curriculum: [{ name: "mass", value: { sampler_type: "constant", value: 2.5, seed: null }, completion_criteria: null }],
    });
  });

  it("samplers take their parameter names, defaults and optional seed", () => {
    const p = params(`  u:
    sampler_type: uniform
    sampler_parameters: {max_value: 3, seed: 42}
  g:
    sampler_type: gaussian
    sampler_parameters: {st_dev: 0.5}
  m:
    sampler_type: multirangeuniform
    sampler_parameters: {intervals: [[0, 1], [2.5, 3]]}
  c:
    sampler_type: constant
    sampler_parameters: {}
  n:
    sampler_type: uniform
    sampler_parameters: {seed: -1}
`);
    const value = (k: string) => p.get(k)!.curriculum[0]!.value;
    expect(value("u")).toEqual({ sampler_type: "uniform", min_value: 0, max_value: 3, seed: 42 });
    expect(value("g")).toEqual({ sampler_type: "gaussian", mean: 1, st_dev: 0.5, seed: null });
    expect(value("m")).toEqual({ sampler_type: "multirangeuniform", intervals: [[0, 1], [2.5, 3]], seed: null });
    expect(value("c")).toEqual({ sampler_type: "constant", value: 0, seed: null });
    expect(value("n")).toEqual({ sampler_type: "uniform", min_value: 0, max_value: 1, seed: null });
    expect(params("  m:\n    sampler_type: multirangeuniform\n    sampler_parameters: {}\n").get("m")!.curriculum[0]!.value).toEqual({
      sampler_type: "multirangeuniform",
      intervals: [[0, 1]],
      seed: null,
    });
  });

  it("curricula get completion_criteria defaults; the final lesson's criteria are dropped with a warning", () => {
    const log = createMemoryLogger();
    const o = parseRunOptions(
      `environment_parameters:
  wall:
    curriculum:
      - name: Lesson0
        completion_criteria: {behavior: Jumper}
        value: 1
      - name: Lesson1
        completion_criteria: {measure: progress, behavior: Jumper, threshold: 0.5, min_lesson_length: 3, signal_smoothing: false, require_reset: true}
        value: {sampler_type: uniform, sampler_parameters: {min_value: 0.0, max_value: 4.0}}
      - name: Lesson2
        completion_criteria: {behavior: Jumper}
        value: 8
`,
      undefined,
      log,
    );
    const c = o.environment_parameters.get("wall")!.curriculum;
    expect(c[0]!.completion_criteria).toEqual({ measure: "reward", behavior: "Jumper", signal_smoothing: true, min_lesson_length: 0, threshold: 0, require_reset: false });
    expect(c[1]!.completion_criteria).toEqual({ measure: "progress", behavior: "Jumper", signal_smoothing: false, min_lesson_length: 3, threshold: 0.5, require_reset: true });
    expect(c[2]!.completion_criteria).toBeNull();
    expect(log.lines).toEqual(["[WARNING] Your final lesson definition contains completion_criteria for wall. It will be ignored."]);
  });

  it.each([
    ["  x: abc\n", "environment_parameters.x"],
    ["  x: {sampler_type: beta, sampler_parameters: {}}\n", "environment_parameters.x.sampler_type"],
    ["  x: {sampler_type: uniform}\n", "environment_parameters.x.sampler_parameters"],
    ["  x: {sampler_type: uniform, sampler_parameters: {min_value: 2, max_value: 1}}\n", "environment_parameters.x.sampler_parameters.min_value"],
    ["  x: {sampler_type: gaussian, sampler_parameters: {st_dev: -1}}\n", "environment_parameters.x.sampler_parameters.st_dev"],
    ["  x: {sampler_type: multirangeuniform, sampler_parameters: {intervals: [[1]]}}\n", "environment_parameters.x.sampler_parameters.intervals[0]"],
    ["  x: {sampler_type: multirangeuniform, sampler_parameters: {intervals: [[3, 1]]}}\n", "environment_parameters.x.sampler_parameters.intervals[0]"],
    ["  x: {sampler_type: uniform, sampler_parameters: {seed: 1.5}}\n", "environment_parameters.x.sampler_parameters.seed"],
    ["  x: {curriculum: []}\n", "environment_parameters.x.curriculum"],
    ["  x: {curriculum: [{value: 1}]}\n", "environment_parameters.x.curriculum[0].name"],
    ["  x: {curriculum: [{name: A}]}\n", "environment_parameters.x.curriculum[0].value"],
    ["  x: {curriculum: [{name: A, value: 1}, {name: B, value: 2}]}\n", "environment_parameters.x.curriculum[0].completion_criteria"],
    ["  x: {curriculum: [{name: A, value: 1, completion_criteria: {threshold: 1}}, {name: B, value: 2}]}\n", "environment_parameters.x.curriculum[0].completion_criteria.behavior"],
    [
      "  x: {curriculum: [{name: A, value: 1, completion_criteria: {behavior: B, measure: progress, threshold: 1.5}}, {name: B, value: 2}]}\n",
      "environment_parameters.x.curriculum[0].completion_criteria.threshold",
    ],
    ["  x: {curriculum: [{name: A, value: 1}], sampler_type: uniform}\n", "environment_parameters.x.sampler_type"],
  ])("rejects %j", (yaml, key) => {
    const e = configError(() => params(yaml));
    expect(e.keyPath).toBe(key);
    expect(e.line).toBe(2);
  });

  it("describes values like ML-Agents' __str__", () => {
    expect(describeSampler({ sampler_type: "uniform", min_value: 0, max_value: 4, seed: null })).toBe("Uniform sampler: min=0.0, max=4.0");
    expect(describeSampler({ sampler_type: "gaussian", mean: 1, st_dev: 0.25, seed: 3 })).toBe("Gaussian sampler: mean=1.0, stddev=0.25");
    expect(describeSampler({ sampler_type: "multirangeuniform", intervals: [[0, 1], [2, 3.5]], seed: null })).toBe(
      "MultiRangeUniform sampler: intervals=[[0.0, 1.0], [2.0, 3.5]]",
    );
    expect(describeSampler({ sampler_type: "constant", value: 1e-5, seed: null })).toBe("Float: value=1e-05");
  });
});
