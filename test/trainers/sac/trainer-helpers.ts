// Shared builders for the SacTrainer tests: trainer settings and a small deterministic environment.
import { ActionSpec, type BehaviorSpec, DimensionProperty, ObservationType } from "../../../src/env/behavior-spec.js";
import type { DecisionSteps, TerminalSteps } from "../../../src/env/steps.js";
import { defaultTrainerSettings } from "../../../src/config/defaults.js";
import type { TrainerSettings } from "../../../src/config/trainer-settings.js";

/** ML-Agents' SAC defaults with a tiny network (8 units, 1 layer), batch 16, buffer 5000; `h` and `rest` override. */
export function settings(h: Partial<TrainerSettings["hyperparameters"]> = {}, rest: Partial<TrainerSettings> = {}): TrainerSettings {
  const d = defaultTrainerSettings();
  return {
    ...d,
    hyperparameters: { ...d.hyperparameters, batch_size: 16, buffer_size: 5000, ...h },
    network_settings: { ...d.network_settings, hidden_units: 8, num_layers: 1 },
    reward_signals: { extrinsic: { gamma: 0.99, strength: 1 } },
    ...rest,
  };
}

/** The behavior `Env` steps: 3 vector observations, `continuous` continuous actions and one 3-way branch. */
export function envSpec(continuous: number): BehaviorSpec {
  return {
    observationSpecs: [{ name: "v", shape: [3], dimensionProperties: [DimensionProperty.NONE], observationType: ObservationType.DEFAULT }],
    actionSpec: new ActionSpec(continuous, [3]),
  };
}

/** A deterministic little environment (3 observations, one 3-way branch mask): N agents, episodes of `len` steps, reward 1 at the end. */
export class Env {
  t = 0;
  constructor(readonly n: number, readonly len: number) {}
  next(): { decision: DecisionSteps; terminal: TerminalSteps } {
    const t = this.t++;
    const ids = Array.from({ length: this.n }, (_, i) => i);
    const ending = t > 0 && t % this.len === 0 ? ids : [];
    const obs = (id: number) => [Math.sin(t + id), Math.cos(t * 0.5 + id), (t % this.len) / this.len];
    const decision: DecisionSteps = {
      length: ids.length,
      obs: [Float32Array.from(ids.flatMap(obs))],
      reward: Float32Array.from(ids.map((id) => 0.1 * id)),
      agentId: Int32Array.from(ids),
      actionMask: [new Uint8Array(ids.length * 3)],
      groupId: new Int32Array(ids.length),
      groupReward: new Float32Array(ids.length),
    };
    const terminal: TerminalSteps = {
      length: ending.length,
      obs: [Float32Array.from(ending.flatMap(obs))],
      reward: Float32Array.from(ending.map(() => 1)),
      interrupted: Uint8Array.from(ending.map((id) => id % 2)),
      agentId: Int32Array.from(ending),
      groupId: new Int32Array(ending.length),
      groupReward: new Float32Array(ending.length),
    };
    return { decision, terminal };
  }
}
