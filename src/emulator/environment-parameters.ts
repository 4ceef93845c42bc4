// Unity's EnvironmentParameters: the values the trainer sent, read by game code with
// GetWithDefault(key, default). A sampler yields a new value on every read; a later message for
// the same key replaces the earlier one.
import type { EnvironmentParameterValue } from "../protocol/side-channel/index.js";
import { createSampler, type Sampler } from "./samplers.js";

export class EnvironmentParameters {
  private readonly samplers = new Map<string, Sampler>();
  private readonly raw = new Map<string, EnvironmentParameterValue>();

  set(key: string, value: EnvironmentParameterValue): void {
    this.samplers.set(key, createSampler(value));
    this.raw.set(key, value);
  }

  getWithDefault(key: string, defaultValue: number): number {
    const sampler = this.samplers.get(key);
    return sampler ? sampler() : defaultValue;
  }

  keys(): string[] {
    return [...this.samplers.keys()];
  }

  /** The last message received for a key (for logs and tests). */
  definition(key: string): EnvironmentParameterValue | undefined {
    return this.raw.get(key);
  }
}
