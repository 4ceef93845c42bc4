// A population's SAC updates in one graph on the tape engine: N TapeSac members of one vector
// layout keep stacked copies of their weights (actor [N, in, out], twin critics [2N, in, out]
// member-major, Adam moments [N, size]), and one update computes all N members' SAC updates with
// tape-engine.ts updateGraph, the same equations with a leading member axis: batched products
// over the members (layers.ts groupMatMul: one kernel per layer on WebGPU, 2-D products on wasm),
// Adam with per-member steps and learning rates, Polyak with per-member tau ([N, 1] columns), gamma
// in each member's discounts, each member's entropy coefficients, normalizer and noise (its own
// SacCommon, drawn as its own update would draw them). Results equal N separate TapeSac updates
// within float rounding (test/trainers/sac/batched-tape-sac.test.ts); any tfjs backend.
// The stack is a copy: members act, save and load with their own variables, so a caller writes the
// stack back (writeBack) before members act or save, and reloads it (reload) after a member's
// state was set from outside (setState: an exploit, a resume).
// Not stacked: visual observations (tfjs has no grouped convolution), members whose minibatch
// sizes differ in one call (one [N, n] batch axis).

import * as tf from "@tensorflow/tfjs-core";
import type { TransitionBatch } from "../common/transition.js";
import { readNow, readWhenReady, type DeviceResult } from "./device-result.js";
import { ADAM_BETA1, ADAM_BETA2, adamStep } from "./flat-adam.js";
import { flatSize, isVisual, type ActorVars, type CriticVars, type DenseVars, type NetLayout } from "./networks.js";
import type { SacCommon } from "./sac-common.js";
import type { UpdateLosses } from "./sac-engine.js";
import { gaussianConstant } from "./squashed-gaussian.js";
import { updateGraph, type TapeSac, type TapeSacParts } from "./tape-engine.js";
import type { DeviceMask, Noise, SacNets, UpdateInputs } from "./update-inputs.js";

let nextStackId = 0;

/** Why members cannot share a stack, or null when they can. */
export function stackingRefusal(members: readonly TapeSac[]): string | null {
  if (members.length === 0) return "a stack needs at least one member";
  const key = (m: TapeSac): string => JSON.stringify(m.stackParts.common.layoutState());
  const first = members[0]!.stackParts.common.layout;
  if (first.obsShapes.some(isVisual)) return "visual observations are not stacked (no grouped convolution in tfjs)";
  const other = members.findIndex((m) => key(m) !== key(members[0]!));
  return other >= 0 ? `member ${other} has another network layout than member 0` : null;
}

/** Adam over N members' parameter groups: moments [N, size], per-member steps and learning rates. */
class MemberAdam {
  readonly m: tf.Variable;
  readonly v: tf.Variable;
  readonly steps: number[];
  private readonly sizes: number[];

  constructor(
    readonly params: readonly tf.Variable[],
    private readonly members: number,
    name: string,
  ) {
    this.sizes = params.map((p) => p.size / members);
    const size = this.sizes.reduce((a, b) => a + b, 0);
    this.m = tf.tidy(() => tf.variable(tf.zeros([members, size]), false, `${name}/m`));
    this.v = tf.tidy(() => tf.variable(tf.zeros([members, size]), false, `${name}/v`));
    this.steps = new Array<number>(members).fill(0);
  }

  /** Row k: member k's parameters in FlatAdam's order (inside tf.tidy). */
  flat(): tf.Tensor2D {
    return tf.concat(this.params.map((p) => tf.reshape(p, [this.members, -1])), 1) as tf.Tensor2D;
  }

  assignFlat(flat: tf.Tensor): void {
    const parts = tf.split(flat, this.sizes, 1);
    this.params.forEach((p, i) => p.assign(tf.reshape(parts[i]!, p.shape)));
  }

  /** FlatAdam.apply for every member at once; returns the new flat parameters [N, size] (inside tf.tidy). */
  apply(grads: readonly tf.Tensor[], learningRates: readonly number[]): tf.Tensor {
    const N = this.members;
    const stepSize = new Float32Array(N);
    const invSqrtBc2 = new Float32Array(N);
    for (let k = 0; k < N; k++) {
      const t = ++this.steps[k]!;
      stepSize[k] = learningRates[k]! / (1 - ADAM_BETA1 ** t);
      invSqrtBc2[k] = 1 / Math.sqrt(1 - ADAM_BETA2 ** t);
    }
    const g = tf.concat(grads.map((x) => tf.reshape(x, [N, -1])), 1);
    const next = adamStep(this.flat(), g, this.m, this.v, tf.tensor2d(stepSize, [N, 1]), tf.tensor2d(invSqrtBc2, [N, 1]));
    this.assignFlat(next);
    return next;
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
  }
}

export class BatchedTapeSac {
  private readonly parts: readonly TapeSacParts[];
  private readonly commons: readonly SacCommon[];
  private readonly layout: NetLayout;
  /** Stacked variables by the members' keys, in their creation order. */
  private readonly vars = new Map<string, tf.Variable>();
  private readonly nets: SacNets;
  private readonly targetParams: tf.Variable[];
  private readonly actorAdam: MemberAdam;
  private readonly criticAdam: MemberAdam;
  private disposed = false;

  /** Stacks the members' current weights, moments and Adam steps (they must share a vector layout). */
  constructor(readonly members: readonly TapeSac[]) {
    const refusal = stackingRefusal(members);
    if (refusal) throw new Error(`BatchedTapeSac: ${refusal}`);
    this.parts = members.map((m) => m.stackParts);
    this.commons = this.parts.map((p) => p.common);
    this.layout = this.commons[0]!.layout;
    const N = members.length;
    const prefix = `sacstack${nextStackId++}`;
    for (const [key, v] of this.parts[0]!.vars) {
      // critic/target groups [2, ...] -> [2N, ...]; actor [in, out] -> [N, in, out], bias [out] -> [N, 1, out]
      const shape = isGrouped(key) ? [2 * N, ...v.shape.slice(1)] : [N, ...(v.rank === 1 ? [1, v.shape[0]!] : v.shape)];
      this.vars.set(key, tf.tidy(() => tf.variable(tf.zeros(shape), !key.startsWith("target/"), `${prefix}/${key}`)));
    }
    const group = (g: string): tf.Variable[] => [...this.vars].filter(([k]) => k.startsWith(`${g}/`)).map(([, v]) => v);
    const dense = (key: string): DenseVars => ({ w: this.vars.get(`${key}/w`)!, b: this.vars.get(`${key}/b`)! });
    const body = (g: string): DenseVars[] => Array.from({ length: this.layout.numLayers }, (_, l) => dense(`${g}/body${l}`));
    const visual = this.layout.obsShapes.map(() => null);
    const actor: ActorVars = { visual, body: body("actor"), head: dense("actor/head") };
    const critics = (g: string): CriticVars => ({ visual, body: body(g), head: dense(`${g}/head`) });
    this.nets = { layout: this.layout, actor, critic: critics("critic"), target: critics("target"), actorParams: group("actor"), criticParams: group("critic") };
    this.targetParams = group("target");
    this.actorAdam = new MemberAdam(this.nets.actorParams, N, `${prefix}/adam/actor`);
    this.criticAdam = new MemberAdam(this.nets.criticParams, N, `${prefix}/adam/critic`);
    this.reload();
  }

  get size(): number {
    return this.members.length;
  }

  /** Copies every member's weights, Adam moments and steps into the stack (after a member's setState). */
  reload(): void {
    this.alive();
    tf.tidy(() => {
      for (const [key, v] of this.vars) {
        const own = this.parts.map((p) => p.vars.get(key)!);
        v.assign(isGrouped(key) ? tf.concat(own, 0) : tf.reshape(tf.stack(own), v.shape));
      }
      for (const [adam, opt] of [[this.actorAdam, "actorOpt"], [this.criticAdam, "criticOpt"]] as const) {
        adam.m.assign(tf.stack(this.parts.map((p) => p[opt].m)));
        adam.v.assign(tf.stack(this.parts.map((p) => p[opt].v)));
        this.parts.forEach((p, k) => (adam.steps[k] = p[opt].step));
      }
    });
  }

  /** Copies the stack's weights, moments and Adam steps back into every member (before members act or save). */
  writeBack(): void {
    this.alive();
    tf.tidy(() => {
      for (const [key, v] of this.vars) {
        const pieces = isGrouped(key) ? tf.split(v, this.size, 0) : tf.unstack(v);
        this.parts.forEach((p, k) => {
          const own = p.vars.get(key)!;
          // A copy, not the reshaped slice: wasm keeps the shape a buffer was made with ([1, out]
          // for a stacked bias), and its fused matMul (the member's act) refuses a bias of that rank.
          own.assign(tf.clone(tf.reshape(pieces[k]!, own.shape)));
        });
      }
      for (const [adam, opt] of [[this.actorAdam, "actorOpt"], [this.criticAdam, "criticOpt"]] as const) {
        const ms = tf.unstack(adam.m);
        const vs = tf.unstack(adam.v);
        this.parts.forEach((p, k) => {
          p[opt].m.assign(ms[k]!);
          p[opt].v.assign(vs[k]!);
          p[opt].step = adam.steps[k]!;
        });
      }
    });
  }

  /**
   * One SAC update of every member, batches[k] for member k (all of one size). The output is
   * [N, 3 + stats], TapeSac.updateOnDevice's row per member; finish runs each member's alpha step.
   */
  updateOnDevice(batches: readonly TransitionBatch[]): DeviceResult<UpdateLosses[]> {
    this.alive();
    const N = this.size;
    if (batches.length !== N) throw new RangeError(`BatchedTapeSac: ${batches.length} batches for ${N} members`);
    const n = batches[0]!.length;
    if (batches.some((b) => b.length !== n)) throw new RangeError(`BatchedTapeSac: minibatch sizes differ (${batches.map((b) => b.length).join(", ")}); stack members of one batch size`);
    const c = batches.map((b, k) => this.commons[k]!.updateConstants(b));
    const { continuousSize: A } = this.layout;
    const S = this.commons[0]!.total;
    const hp = this.commons.map((m) => m.hyperparameters);
    const out = tf.tidy(() => {
      const stacked = (pick: (k: number) => ArrayLike<number>, shape: number[]): tf.Tensor => {
        const size = flatSize(shape);
        const data = new Float32Array(N * size);
        for (let k = 0; k < N; k++) {
          const v = pick(k);
          data.set(v instanceof Float32Array || v instanceof Float64Array ? v.subarray(0, size) : Array.from(v).slice(0, size), k * size);
        }
        return tf.tensor(data, [N, ...shape]);
      };
      const mask = (which: "maskNow" | "maskNext"): DeviceMask | null =>
        S > 0 ? { keep: stacked((k) => c[k]![which]!.keep, [n, S]), penalty: stacked((k) => c[k]![which]!.penalty, [n, S]) } : null;
      const noise = (which: "eps" | "epsNext"): Noise | null =>
        A > 0 ? { eps: stacked((k) => c[k]![which]!, [n, A]), constant: stacked((k) => gaussianConstant(c[k]![which]!, n, A), [n]) } : null;
      const x: UpdateInputs = {
        s: this.inputs(batches, "obs", n),
        s2: this.inputs(batches, "nextObs", n),
        rewards: stacked((k) => batches[k]!.rewards, [n]),
        discount: stacked((k) => c[k]!.discount, [n]),
        taken: A > 0 ? stacked((k) => batches[k]!.continuousActions, [n, A]) : null,
        oneHot: S > 0 ? stacked((k) => c[k]!.oneHot!, [1, n, S]) : null,
        eps: noise("eps"),
        epsNext: noise("epsNext"),
        maskNow: mask("maskNow"),
        maskNext: mask("maskNext"),
        alphaContinuous: stacked((k) => [this.commons[k]!.alphaContinuous], [1]),
        alphaColumns: S > 0 ? stacked((k) => this.commons[k]!.alphaColumns(), [1, S]) : null,
      };
      const tau = stacked((k) => [hp[k]!.tau], [1]);
      const keep = stacked((k) => [1 - hp[k]!.tau], [1]);
      const lr = hp.map((h) => h.learningRate);
      return updateGraph(this.nets, x, {
        critic: (grads) => this.criticAdam.apply(grads, lr),
        actor: (grads) => void this.actorAdam.apply(grads, lr),
        polyak: (criticFlat) => {
          const targetFlat = tf.concat(this.targetParams.map((p) => tf.reshape(p, [N, -1])), 1);
          const blended = tf.add(tf.mul(criticFlat, tau), tf.mul(targetFlat, keep));
          const parts = tf.split(blended, this.targetParams.map((p) => p.size / N), 1);
          this.targetParams.forEach((p, i) => p.assign(tf.reshape(parts[i]!, p.shape)));
        },
      });
    });
    const width = out.shape[1]!;
    const finish = (v: Float32Array): UpdateLosses[] =>
      this.commons.map((common, k) => {
        const row = v.subarray(k * width, (k + 1) * width);
        return common.finishUpdate({ q1Loss: row[0]!, q2Loss: row[1]!, policyLoss: row[2]!, meanLogPi: A > 0 ? row[3]! : null, branchEntropies: Array.from(row.subarray(A > 0 ? 4 : 3)) });
      });
    return { output: out, finish };
  }

  /** updateOnDevice read with dataSync (wasm, cpu, native TensorFlow). */
  update(batches: readonly TransitionBatch[]): UpdateLosses[] {
    return readNow(this.updateOnDevice(batches));
  }

  /** updateOnDevice read with an awaited data() (every backend; the only way on WebGPU in Node). */
  updateWhenReady(batches: readonly TransitionBatch[]): Promise<UpdateLosses[]> {
    return readWhenReady(this.updateOnDevice(batches));
  }

  /** Frees the stack (members keep their own variables; writeBack first to keep the stack's progress). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.vars.values()) v.dispose();
    this.actorAdam.dispose();
    this.criticAdam.dispose();
  }

  /** Observations [N, n, d], each member's rows normalized by its own normalizer (TapeSac.inputs). */
  private inputs(batches: readonly TransitionBatch[], which: "obs" | "nextObs", n: number): tf.Tensor[] {
    const N = this.size;
    return this.layout.obsShapes.map((sh, i) => {
      const d = flatSize(sh);
      const data = new Float32Array(N * n * d);
      batches.forEach((b, k) => data.set(b[which][i]!.subarray(0, n * d), k * n * d));
      const x = tf.tensor3d(data, [N, n, d]);
      const norms = this.commons.map((m) => m.normArray(i));
      if (norms.some((a) => a === null)) return x;
      const mean = new Float32Array(N * d);
      const std = new Float32Array(N * d);
      norms.forEach((a, k) => {
        mean.set(a!.mean, k * d);
        std.set(a!.std, k * d);
      });
      return tf.clipByValue(tf.div(tf.sub(x, tf.tensor3d(mean, [N, 1, d])), tf.tensor3d(std, [N, 1, d])), -5, 5);
    });
  }

  private alive(): void {
    if (this.disposed) throw new Error("BatchedTapeSac: used after dispose");
  }
}

/** The twin-critic groups ([2, ...] per member), stacked member-major along their group axis. */
function isGrouped(key: string): boolean {
  return key.startsWith("critic/") || key.startsWith("target/");
}
