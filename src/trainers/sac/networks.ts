// Actor and twin-critic networks in ML-Agents' layout (docs/protocol.md §6.4 and §9): per observation an
// encoder (vector: pass-through after normalization; visual [C,H,W]: "simple" CNN), concat,
// num_layers x Dense(hidden_units) + Swish, then heads. The twin critics are ONE grouped network
// (weights [2, in, out]) so both run in a single batched matMul per layer.

import * as tf from "@tensorflow/tfjs-core";
import { conv2dLeaky, dense, type GradNeeds } from "./layers.js";
import type { Rng } from "../common/rng.js";

export interface NetLayout {
  /** Observation shapes; rank 3 [C, H, W] is visual, anything else is a flat vector. */
  readonly obsShapes: readonly (readonly number[])[];
  readonly continuousSize: number;
  readonly branches: readonly number[];
  readonly hiddenUnits: number;
  readonly numLayers: number;
}

export interface DenseVars { readonly w: tf.Variable; readonly b: tf.Variable }
export interface ConvVars { readonly w: tf.Variable; readonly b: tf.Variable; readonly stride: number }
export interface VisualVars { readonly conv1: ConvVars; readonly conv2: ConvVars; readonly dense: DenseVars }

export interface ActorVars {
  readonly visual: readonly (VisualVars | null)[];
  readonly body: readonly DenseVars[];
  /** One fused head [h, 2A + sum(branches)]: mu | logSigma | branch logits. */
  readonly head: DenseVars;
}

export interface CriticVars {
  /** Per observation: the two critics' own CNNs, or null for vector observations. */
  readonly visual: readonly ([VisualVars, VisualVars] | null)[];
  /** Grouped [2, in, out] layers. */
  readonly body: readonly DenseVars[];
  /** [2, h, K], K = 1 without discrete actions, else sum(branches) (one Q per discrete action). */
  readonly head: DenseVars;
}

export function isVisual(shape: readonly number[]): boolean {
  return shape.length === 3;
}

export function flatSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Output size of the simple CNN's flatten: conv 8x8/4 then 4x4/2, valid padding. */
export function visualFlatSize(shape: readonly number[]): number {
  const out = (n: number): number => Math.floor((Math.floor((n - 8) / 4) + 1 - 4) / 2) + 1;
  return 32 * out(shape[1]) * out(shape[2]);
}

/** Width of the concatenated observation encodings. */
export function encodingSize(layout: NetLayout): number {
  return layout.obsShapes.reduce((s, sh) => s + (isVisual(sh) ? layout.hiddenUnits : flatSize(sh)), 0);
}

export function qOutputs(layout: NetLayout): number {
  return layout.branches.length > 0 ? layout.branches.reduce((a, b) => a + b, 0) : 1;
}

/** Strides of the simple visual encoder's two convolutions (ML-Agents SimpleVisualEncoder). */
export const VISUAL_STRIDES = { conv1: 4, conv2: 2 } as const;

// --- initialization (PyTorch / ML-Agents conventions) ---------------------------------------

type Init = { kind: "kaiming"; gain: number } | { kind: "xavier"; gain: number } | { kind: "torch-default" };

function initValues(rng: Rng, n: number, fanIn: number, fanOut: number, init: Init): Float32Array {
  const out = new Float32Array(n);
  if (init.kind === "kaiming") {
    // torch kaiming_normal_(leaky_relu, a=0): std = sqrt(2 / fan_in); ML-Agents then scales by kernel_gain
    rng.fillNormal(out);
    const std = Math.sqrt(2 / fanIn) * init.gain;
    for (let i = 0; i < n; i++) out[i] *= std;
  } else {
    const bound = init.kind === "xavier" ? init.gain * Math.sqrt(6 / (fanIn + fanOut)) : 1 / Math.sqrt(fanIn);
    for (let i = 0; i < n; i++) out[i] = (2 * rng.next() - 1) * bound;
  }
  return out;
}

export class VarFactory {
  /** Every variable by its stable key (e.g. "actor/body0/w"), in creation order. */
  readonly vars = new Map<string, tf.Variable>();
  constructor(
    readonly prefix: string,
    readonly rng: Rng,
  ) {}

  make(key: string, shape: number[], values: Float32Array, trainable: boolean): tf.Variable {
    const v = tf.tidy(() => tf.variable(tf.tensor(values, shape), trainable, `${this.prefix}/${key}`)); // tidy frees the initial value
    this.vars.set(key, v);
    return v;
  }

  dense(key: string, inSize: number, outSize: number, init: Init, groups = 0, trainable = true): DenseVars {
    const g = Math.max(groups, 1);
    const w = new Float32Array(g * inSize * outSize);
    for (let i = 0; i < g; i++) w.set(initValues(this.rng, inSize * outSize, inSize, outSize, init), i * inSize * outSize);
    const wShape = groups ? [groups, inSize, outSize] : [inSize, outSize];
    const bShape = groups ? [groups, 1, outSize] : [outSize];
    return { w: this.make(`${key}/w`, wShape, w, trainable), b: this.make(`${key}/b`, bShape, new Float32Array(g * outSize), trainable) };
  }

  conv(key: string, k: number, ci: number, co: number, stride: number, trainable = true): ConvVars {
    const fanIn = k * k * ci;
    const w = initValues(this.rng, k * k * ci * co, fanIn, 0, { kind: "torch-default" });
    const b = initValues(this.rng, co, fanIn, 0, { kind: "torch-default" });
    return { w: this.make(`${key}/w`, [k, k, ci, co], w, trainable), b: this.make(`${key}/b`, [co], b, trainable), stride };
  }

  visual(key: string, shape: readonly number[], hidden: number, trainable = true): VisualVars {
    return {
      conv1: this.conv(`${key}/conv1`, 8, shape[0], 16, VISUAL_STRIDES.conv1, trainable),
      conv2: this.conv(`${key}/conv2`, 4, 16, 32, VISUAL_STRIDES.conv2, trainable),
      // ML-Agents SimpleVisualEncoder: KaimingHeNormal, kernel_gain 1.41
      dense: this.dense(`${key}/dense`, visualFlatSize(shape), hidden, { kind: "kaiming", gain: 1.41 }, 0, trainable),
    };
  }
}

export function createActor(f: VarFactory, layout: NetLayout): ActorVars {
  const visual = layout.obsShapes.map((sh, i) => (isVisual(sh) ? f.visual(`actor/enc${i}`, sh, layout.hiddenUnits) : null));
  const body: DenseVars[] = [];
  let width = encodingSize(layout);
  for (let l = 0; l < layout.numLayers; l++) {
    body.push(f.dense(`actor/body${l}`, width, layout.hiddenUnits, { kind: "kaiming", gain: 1 }));
    width = layout.hiddenUnits;
  }
  const a = layout.continuousSize;
  const s = layout.branches.reduce((x, y) => x + y, 0);
  // ML-Agents heads: Gaussian mu/logSigma xavier gain 0.2; categorical kaiming gain 0.1 (small outputs at start)
  const cont = initValues(f.rng, width * 2 * a, width, a, { kind: "xavier", gain: 0.2 });
  const disc = initValues(f.rng, width * s, width, s, { kind: "kaiming", gain: 0.1 });
  const w = new Float32Array(width * (2 * a + s));
  for (let r = 0; r < width; r++) {
    w.set(cont.subarray(r * 2 * a, (r + 1) * 2 * a), r * (2 * a + s));
    w.set(disc.subarray(r * s, (r + 1) * s), r * (2 * a + s) + 2 * a);
  }
  const head = { w: f.make("actor/head/w", [width, 2 * a + s], w, true), b: f.make("actor/head/b", [2 * a + s], new Float32Array(2 * a + s), true) };
  return { visual, body, head };
}

export function createCritics(f: VarFactory, layout: NetLayout, key: string, trainable: boolean): CriticVars {
  const visual = layout.obsShapes.map((sh, i) =>
    isVisual(sh)
      ? ([f.visual(`${key}/q1/enc${i}`, sh, layout.hiddenUnits, trainable), f.visual(`${key}/q2/enc${i}`, sh, layout.hiddenUnits, trainable)] as [VisualVars, VisualVars])
      : null,
  );
  const body: DenseVars[] = [];
  let width = encodingSize(layout) + layout.continuousSize;
  for (let l = 0; l < layout.numLayers; l++) {
    body.push(f.dense(`${key}/body${l}`, width, layout.hiddenUnits, { kind: "kaiming", gain: 1 }, 2, trainable));
    width = layout.hiddenUnits;
  }
  const head = f.dense(`${key}/head`, width, qOutputs(layout), { kind: "xavier", gain: 1 }, 2, trainable);
  return { visual, body, head };
}

let nextNetworksId = 0;

/**
 * Fresh actor, twin critics and twin target critics in ML-Agents' initialization, drawn from `rng`
 * in a fixed order (both engines call this, so a seed gives both the same weights); the targets
 * start as exact copies of the critics.
 */
export function createNetworks(layout: NetLayout, rng: Rng): { factory: VarFactory; actor: ActorVars; critic: CriticVars; target: CriticVars } {
  const factory = new VarFactory(`sac${nextNetworksId++}`, rng);
  const actor = createActor(factory, layout);
  const critic = createCritics(factory, layout, "critic", true);
  const target = createCritics(factory, layout, "target", false);
  const vars = [...factory.vars.entries()];
  const crit = vars.filter(([k]) => k.startsWith("critic/")).map(([, v]) => v);
  vars.filter(([k]) => k.startsWith("target/")).forEach(([, t], i) => t.assign(crit[i]));
  return { factory, actor, critic, target };
}

// --- forward passes ---------------------------------------------------------------------------

/** Prepared inputs: normalized vectors [B, d] or images NHWC [B, H, W, C], in observation order. */
export type ObsInputs = readonly tf.Tensor[];

function encodeVisual(v: VisualVars, x: tf.Tensor4D, params: boolean): tf.Tensor2D {
  const h1 = conv2dLeaky(x, v.conv1.w as tf.Tensor4D, v.conv1.b as tf.Tensor1D, v.conv1.stride, { x: false, params });
  const h2 = conv2dLeaky(h1, v.conv2.w as tf.Tensor4D, v.conv2.b as tf.Tensor1D, v.conv2.stride, { x: params, params });
  const flat = tf.reshape(tf.transpose(h2, [0, 3, 1, 2]), [x.shape[0], -1]); // flatten in C,H,W order (docs/protocol.md §6.4)
  return dense(flat, v.dense.w, v.dense.b, "leaky", { x: params, params }) as tf.Tensor2D;
}

function mlp(x: tf.Tensor, body: readonly DenseVars[], head: DenseVars, firstNeedsX: boolean, params: boolean, upstream: boolean): tf.Tensor {
  let h = x;
  body.forEach((l, i) => {
    h = dense(h, l.w, l.b, "swish", { x: i === 0 ? firstNeedsX : upstream, params });
  });
  return dense(h, head.w, head.b, "linear", { x: body.length === 0 ? firstNeedsX : upstream, params });
}

/**
 * Actor pre-distribution outputs [B, 2A + S]: mu | logSigma (unclipped) | branch logits. With a
 * population's stacked weights ([N, in, out], batched-tape-sac.ts) and vector inputs [N, B, d]:
 * [N, B, 2A + S].
 */
export function actorForward(actor: ActorVars, inputs: ObsInputs, params: boolean): tf.Tensor2D {
  let anyVisual = false;
  const parts = inputs.map((t, i) => {
    const v = actor.visual[i];
    if (v === null) return t;
    anyVisual = true;
    return encodeVisual(v, t as tf.Tensor4D, params);
  });
  const x = parts.length === 1 ? parts[0] : tf.concat(parts, -1);
  const firstX = anyVisual && params;
  return mlp(x, actor.body, actor.head, firstX, params, params) as tf.Tensor2D;
}

/**
 * Both critics' Q values [2, B, K] for inputs and continuous action [B, A] (or null). With a
 * population's stacked critics ([2N, in, out], member-major) and vector inputs [N, B, d]:
 * [N, 2, B, K].
 */
export function criticForward(critics: CriticVars, inputs: ObsInputs, action: tf.Tensor | null, needs: { params: boolean; action: boolean }): tf.Tensor3D {
  const anyVisual = critics.visual.some((v) => v !== null);
  let x: tf.Tensor;
  let members = 0;
  if (!anyVisual) {
    const parts = action ? [...inputs, action] : [...inputs];
    x = parts.length === 1 ? parts[0] : tf.concat(parts, -1); // [B, in], shared by both critics
    if (x.rank === 3) {
      // [N, B, in] -> [2N, B, in]: each member's rows once per critic (a concat, whose gradient sums them back)
      members = x.shape[0];
      const one = tf.reshape(x, [members, 1, ...x.shape.slice(1)]);
      x = tf.reshape(tf.concat([one, one], 1), [2 * members, ...x.shape.slice(1)]);
    }
  } else {
    // Each critic runs its own encoder. Stacking both critics' conv1 filters into one 32-filter
    // conv2d cost the same CPU time as two 16-filter ones on tfjs-wasm (measured 2026-12-06), and
    // splitting its output along the channel axis is a strided copy: not done.
    const perCritic = [0, 1].map((g) => {
      const parts = inputs.map((t, i) => {
        const v = critics.visual[i];
        return v === null ? t : encodeVisual(v[g], t as tf.Tensor4D, needs.params);
      });
      if (action) parts.push(action);
      return parts.length === 1 ? parts[0] : tf.concat(parts, 1);
    });
    x = tf.stack(perCritic); // [2, B, in]
  }
  const firstX = needs.action || (anyVisual && needs.params);
  const q = mlp(x, critics.body, critics.head, firstX, needs.params, needs.params || needs.action);
  if (members > 0) return tf.reshape(q, [members, 2, ...q.shape.slice(1)]) as tf.Tensor as tf.Tensor3D;
  return (q.rank === 3 ? q : tf.tile(tf.expandDims(q, 0), [2, 1, 1])) as tf.Tensor3D;
}

export type { GradNeeds };
