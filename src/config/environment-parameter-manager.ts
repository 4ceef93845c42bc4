// Tracks the current lesson of every environment parameter and turns lessons into the values sent
// through the EnvironmentParametersChannel. Mirrors ML-Agents' EnvironmentParameterManager:
// seeds, the lesson advance rule and the console line match mlagents/trainers/environment_parameter_manager.py.

import type { EnvironmentParameterValue } from "../protocol/side-channel/index.js";
import type { Logger } from "../util/logger.js";
import { describeSampler, type EnvironmentParameterConfig, type Lesson, type SamplerSettings } from "./environment-parameters.js";

/** Per-behavior training progress, gathered by the trainer controller before each lesson check. */
export interface LessonStats {
  behavior: string;
  /** trainer step / max_steps of this behavior. */
  stepsRatio: number;
  /** Mean reward of the episodes in the behavior's reward buffer; null when it is empty. */
  meanReward: number | null;
  /** Completed episodes in the reward buffer (cleared whenever any lesson changes). */
  episodes: number;
}

/** Checkpointed curriculum state (training_status.json keeps lesson_num per parameter). */
export interface EnvironmentParameterState {
  lesson_num: Record<string, number>;
  /** Smoothed reward per parameter (not saved by ML-Agents; restored when present). */
  smoothed_reward?: Record<string, number>;
}

export class EnvironmentParameterManager {
  private readonly lessonNum = new Map<string, number>();
  private readonly smoothed = new Map<string, number>();
  /** Seed offset per parameter and lesson; null where the YAML gave an explicit seed. */
  private readonly seedOffsets = new Map<string, (number | null)[]>();

  constructor(
    private readonly params: ReadonlyMap<string, EnvironmentParameterConfig>,
    private readonly logger?: Logger,
  ) {
    // ML-Agents _set_sampler_seeds: one offset per seedless lesson value, over all lessons of all
    // parameters in config order (constants count too, although their seed is never sent).
    let offset = 0;
    for (const [name, config] of params) {
      this.lessonNum.set(name, 0);
      this.smoothed.set(name, 0);
      this.seedOffsets.set(name, config.curriculum.map((lesson) => (lesson.value.seed === null ? offset++ : null)));
    }
  }

  get parameterNames(): string[] {
    return [...this.params.keys()];
  }

  lessonNumber(parameter: string): number {
    return this.lessonNum.get(parameter) ?? 0;
  }

  currentLesson(parameter: string): Lesson {
    const config = this.params.get(parameter);
    if (config === undefined) throw new RangeError(`unknown environment parameter '${parameter}'`);
    return config.curriculum[this.lessonNumber(parameter)]!;
  }

  /** Values of the current lessons, to send before every reset and after a lesson change. */
  currentValues(runSeed: number): Map<string, EnvironmentParameterValue> {
    const out = new Map<string, EnvironmentParameterValue>();
    for (const name of this.params.keys()) {
      const lesson = this.lessonNumber(name);
      const value = this.currentLesson(name).value;
      const offset = this.seedOffsets.get(name)![lesson];
      // Seeds travel as int32: wrap rather than overflow for run seeds near 2^31.
      out.set(name, toWireValue(value, value.seed ?? (runSeed + (offset ?? 0)) | 0));
    }
    return out;
  }

  /**
   * ML-Agents' update_lessons: for each parameter whose current lesson has completion criteria and a
   * next lesson, advance when the criteria's behavior has at least min_lesson_length episodes and
   * progress > threshold, or (smoothed) mean reward > threshold. At most one lesson per call.
   * When `changed`, the caller clears the behaviors' reward buffers (as ML-Agents does); when
   * `mustReset`, it resets the environment (which sends the new values), else it sends them.
   */
  updateLessons(stats: readonly LessonStats[]): { changed: boolean; mustReset: boolean } {
    const byBehavior = new Map(stats.map((s) => [s.behavior, s]));
    let changed = false;
    let mustReset = false;
    for (const [name, config] of this.params) {
      const lessonIndex = this.lessonNumber(name);
      const criteria = config.curriculum[lessonIndex]!.completion_criteria;
      if (criteria === null || lessonIndex + 1 >= config.curriculum.length) continue;
      const s = byBehavior.get(criteria.behavior);
      if (s === undefined) continue;
      if (s.episodes < criteria.min_lesson_length) continue;
      let advance = false;
      if (criteria.measure === "progress") {
        advance = s.stepsRatio > criteria.threshold;
      } else if (s.episodes >= 1 && s.meanReward !== null && !Number.isNaN(s.meanReward)) {
        let measure = s.meanReward;
        if (criteria.signal_smoothing) {
          measure = 0.25 * this.smoothed.get(name)! + 0.75 * measure;
          this.smoothed.set(name, measure);
        }
        advance = measure > criteria.threshold;
      }
      if (!advance) continue;
      this.lessonNum.set(name, lessonIndex + 1);
      this.logger?.info(this.describe(name));
      changed = true;
      if (criteria.require_reset) mustReset = true;
    }
    return { changed, mustReset };
  }

  /** `Parameter 'x' is in lesson 'Lesson0' and has value 'Uniform sampler: min=0.0, max=4.0'.` */
  describe(parameter: string): string {
    const lesson = this.currentLesson(parameter);
    return `Parameter '${parameter}' is in lesson '${lesson.name}' and has value '${describeSampler(lesson.value)}'.`;
  }

  /** Logs every parameter's lesson line (ML-Agents does this at startup). */
  logCurrentLessons(): void {
    for (const name of this.params.keys()) this.logger?.info(this.describe(name));
  }

  /** ML-Agents get_minimum_reward_buffer_size: episodes a behavior's reward buffer must hold (at least 1). */
  minimumRewardBufferSize(behavior: string): number {
    let result = 1;
    for (const config of this.params.values()) {
      for (const lesson of config.curriculum) {
        const c = lesson.completion_criteria;
        if (c !== null && c.behavior === behavior) result = Math.max(result, c.min_lesson_length);
      }
    }
    return result;
  }

  getState(): EnvironmentParameterState {
    return { lesson_num: Object.fromEntries(this.lessonNum), smoothed_reward: Object.fromEntries(this.smoothed) };
  }

  /** Restores a checkpoint. Unknown parameters are ignored; a lesson beyond the curriculum's end is clamped (with a warning). */
  setState(state: EnvironmentParameterState): void {
    for (const [name, config] of this.params) {
      const saved = Object.hasOwn(state.lesson_num ?? {}, name) ? state.lesson_num[name] : undefined;
      if (saved !== undefined) {
        if (!Number.isSafeInteger(saved) || saved < 0) {
          this.logger?.warn(`Ignoring saved lesson ${String(saved)} for parameter '${name}': not a lesson number.`);
        } else {
          const last = config.curriculum.length - 1;
          if (saved > last) this.logger?.warn(`Saved lesson ${saved} for parameter '${name}' is past its last lesson; using lesson ${last}.`);
          this.lessonNum.set(name, Math.min(saved, last));
        }
      }
      const smooth = state.smoothed_reward && Object.hasOwn(state.smoothed_reward, name) ? state.smoothed_reward[name] : undefined;
      if (typeof smooth === "number" && Number.isFinite(smooth)) this.smoothed.set(name, smooth);
    }
  }
}

function toWireValue(value: SamplerSettings, seed: number): EnvironmentParameterValue {
  switch (value.sampler_type) {
    case "constant":
      return { kind: "float", value: value.value };
    case "uniform":
      return { kind: "uniform", seed, min: value.min_value, max: value.max_value };
    case "gaussian":
      return { kind: "gaussian", seed, mean: value.mean, stDev: value.st_dev };
    case "multirangeuniform":
      return { kind: "multirangeuniform", seed, intervals: value.intervals.map(([a, b]) => [a, b] as [number, number]) };
  }
}
