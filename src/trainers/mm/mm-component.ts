// One simpler component of a Mix & Match agent: its own actor (size, observation subset, action
// space), its Adam moments, and a SacCommon for what SAC keeps beside the network (entropy
// coefficients with their targets, acting noise, masks). Its inputs are columns of the target's
// normalized vector observations; its actions are mapped into the target's space (action-mapping.ts).

import * as tf from "@tensorflow/tfjs-core";
import type { MixAndMatchComponent, TrainerSettings } from "../../config/index.js";
import { ActionSpec, ObservationType, type BehaviorSpec } from "../../env/behavior-spec.js";
import { maskedLogSoftmax, maskTensorsData } from "../sac/categorical.js";
import { FlatAdam } from "../sac/flat-adam.js";
import { actorForward, createActor, VarFactory, type ActorVars } from "../sac/networks.js";
import { SacCommon } from "../sac/sac-common.js";
import type { SacState, TensorData } from "../sac/sac-state.js";
import { stateTensor } from "../sac/sac-state.js";
import { LOG_SIGMA_MAX, LOG_SIGMA_MIN } from "../sac/squashed-gaussian.js";
import { macroActionTable, macroActionTargets, type MacroActionTable } from "./action-mapping.js";

let nextComponentId = 0;

export class MmComponent {
  readonly common: SacCommon;
  readonly actor: ActorVars;
  readonly params: tf.Variable[];
  readonly opt: FlatAdam;
  /** Columns of the target's concatenated normalized observations this component sees; null: all. */
  readonly observations: readonly number[] | null;
  /** Macro-actions (one discrete branch of N), or null: the target's own action space. */
  readonly macros: MacroActionTable | null;
  /** Constants of the distillation: atanh of the macro continuous values [N, D], one-hot of their discrete values [N, S]. */
  readonly macroU: tf.Tensor2D | null = null;
  readonly macroOneHot: tf.Tensor2D | null = null;
  /** The macro continuous values [N, D] as the critics see them. */
  readonly macroContinuous: tf.Tensor2D | null = null;
  private readonly factory: VarFactory;

  constructor(config: MixAndMatchComponent, target: BehaviorSpec, vectorSize: number, settings: TrainerSettings, seed: number) {
    this.observations = config.observations;
    this.macros = config.macro_actions === null ? null : macroActionTable(config.macro_actions, target.actionSpec);
    const inputSize = config.observations?.length ?? vectorSize;
    const action = this.macros === null ? target.actionSpec : ActionSpec.discrete(this.macros.count);
    const spec: BehaviorSpec = {
      observationSpecs: [{ name: "mix_and_match_inputs", shape: [inputSize], dimensionProperties: [1], observationType: ObservationType.DEFAULT }],
      actionSpec: action,
    };
    // Inputs arrive normalized by the target's normalizer, so the component has none of its own.
    const network = { ...settings.network_settings, normalize: false, hidden_units: config.hidden_units, num_layers: config.num_layers };
    this.common = new SacCommon(spec, { ...settings, network_settings: network }, seed);
    this.factory = new VarFactory(`mm${nextComponentId++}`, this.common.rng);
    this.actor = createActor(this.factory, this.common.layout);
    this.params = [...this.factory.vars.values()];
    this.opt = new FlatAdam(this.params, `${this.factory.prefix}/adam/actor`);
    if (this.macros !== null) {
      const t = macroActionTargets(this.macros);
      const n = this.macros.count;
      const d = this.macros.continuousSize;
      const s = t.oneHot.length / n;
      this.macroU = d > 0 ? tf.keep(tf.tensor2d(t.u, [n, d])) : null;
      this.macroContinuous = d > 0 ? tf.keep(tf.tensor2d(this.macros.continuous, [n, d])) : null;
      this.macroOneHot = s > 0 ? tf.keep(tf.tensor2d(t.oneHot, [n, s])) : null;
    }
  }

  /** The component's input [n, d] from the target's normalized vector observations [n, D]. */
  inputs(all: tf.Tensor2D): tf.Tensor2D {
    return this.observations === null ? all : (tf.gather(all, Array.from(this.observations), 1) as tf.Tensor2D);
  }

  /** Raw actor head [n, 2A + S] (mu | logSigma | logits). */
  forward(all: tf.Tensor2D, params: boolean): tf.Tensor2D {
    return actorForward(this.actor, [this.inputs(all)], params);
  }

  /** Actions of this component for n agents from the target's normalized observations [n × width]: its own action space (macro-action indices for a macro component). */
  act(x: Float32Array, n: number, inputWidth: number, mask: Uint8Array | null, deterministic: boolean): { continuous: Float32Array; discrete: Int32Array } {
    const { continuousSize: A, branches } = this.common.layout;
    const S = this.common.total;
    const eps = A > 0 && !deterministic ? this.common.rng.fillNormal(new Float32Array(n * A)) : null;
    const out = tf.tidy(() => {
      const raw = this.forward(tf.tensor2d(x, [n, inputWidth]), false);
      const parts: tf.Tensor[] = [];
      if (A > 0) {
        const mu = tf.slice(raw, [0, 0], [n, A]);
        if (deterministic) parts.push(tf.tanh(mu));
        else {
          const logSigma = tf.clipByValue(tf.slice(raw, [0, A], [n, A]), LOG_SIGMA_MIN, LOG_SIGMA_MAX);
          parts.push(tf.tanh(tf.add(mu, tf.mul(tf.exp(logSigma), tf.tensor2d(eps!, [n, A])))));
        }
      }
      if (S > 0) {
        const m = maskTensorsData(mask, n, S);
        parts.push(maskedLogSoftmax(tf.slice(raw, [0, 2 * A], [n, S]) as tf.Tensor2D, tf.tensor2d(m.keep, [n, S]), tf.tensor2d(m.penalty, [n, S]), branches).probs);
      }
      return parts.length === 1 ? parts[0]! : tf.concat(parts, 1);
    });
    const values = out.dataSync() as Float32Array;
    out.dispose();
    const width = A + S;
    const continuous = new Float32Array(n * A);
    for (let r = 0; r < n; r++) for (let i = 0; i < A; i++) continuous[r * A + i] = values[r * width + i]!;
    return { continuous, discrete: this.common.pickDiscrete(values, n, width, A, deterministic) };
  }
  getState(): SacState {
    const tensors: Record<string, TensorData> = {};
    for (const [key, v] of this.factory.vars) tensors[key] = { shape: [...v.shape], data: (v.dataSync() as Float32Array).slice() };
    tensors["adam/actor/m"] = { shape: [this.opt.size], data: (this.opt.m.dataSync() as Float32Array).slice() };
    tensors["adam/actor/v"] = { shape: [this.opt.size], data: (this.opt.v.dataSync() as Float32Array).slice() };
    return { ...this.common.scalarState(), tensors, adamSteps: { actor: this.opt.step, critic: 0 } };
  }

  setState(state: SacState): void {
    this.common.checkLayout(state);
    const put = (key: string, v: tf.Variable): void => {
      const value = tf.tensor(stateTensor(state, key, v.size), v.shape);
      v.assign(value);
      value.dispose();
    };
    for (const [key, v] of this.factory.vars) put(key, v);
    put("adam/actor/m", this.opt.m);
    put("adam/actor/v", this.opt.v);
    this.opt.step = state.adamSteps.actor;
    this.common.setScalarState(state);
  }

  dispose(): void {
    for (const v of this.factory.vars.values()) v.dispose();
    this.opt.dispose();
    tf.dispose([this.macroU, this.macroOneHot, this.macroContinuous].filter((t): t is tf.Tensor2D => t !== null));
  }
}
