// Typed environment_parameters (docs/protocol.md §7.5). Every parameter is a curriculum; a plain value or sampler
// is one lesson named after the parameter with no completion criteria (as ML-Agents does).

export type SamplerType = "uniform" | "gaussian" | "multirangeuniform" | "constant";

/** A lesson value. `seed: null` = none given: the run seed plus an offset is used (docs/protocol.md §5.5). */
export type SamplerSettings =
  | { sampler_type: "uniform"; min_value: number; max_value: number; seed: number | null }
  | { sampler_type: "gaussian"; mean: number; st_dev: number; seed: number | null }
  | { sampler_type: "multirangeuniform"; intervals: [number, number][]; seed: number | null }
  | { sampler_type: "constant"; value: number; seed: number | null };

export interface CompletionCriteria {
  measure: "progress" | "reward";
  behavior: string;
  signal_smoothing: boolean;
  min_lesson_length: number;
  threshold: number;
  require_reset: boolean;
}

export interface Lesson {
  name: string;
  value: SamplerSettings;
  /** null on the final lesson (ignored there) and on plain values. */
  completion_criteria: CompletionCriteria | null;
}

export interface EnvironmentParameterConfig {
  curriculum: Lesson[];
}
