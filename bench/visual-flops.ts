// Analytic FLOP count of one SAC update of the tape engine with a "simple" visual encoder
// (src/trainers/sac/networks.ts), and the list of matMul / conv2d shapes it runs, for bench/visual.ts.
// One multiply-add = 2 FLOPs. Elementwise work (activations, Adam, losses) is left out: it is a
// few hundred thousand FLOPs against the encoders' hundreds of millions.
// Passes per update, read off TapeSac.updateOnDevice (src/trainers/sac/tape-engine.ts):
//   1. target:  actor(s') forward, twin target critics(s') forward           -> 3 encoder forwards
//   2. critic:  twin critics(s) forward + backward (dW every layer, dX every layer but conv1)
//   3. actor:   actor(s) forward + backward; twin critics(s) forward with the updated weights
//               (backward into their MLP only when there are continuous actions: dQ/da)
// Totals: 8 encoder forwards, 3 weight gradients, 3 input gradients (conv2 + dense) per update.

export interface VisualLayout {
  readonly camera: readonly [number, number, number]; // [C, H, W]
  readonly vector: number; // width of the vector observations next to the camera
  readonly continuous: number;
  readonly discrete: number; // sum of the branch sizes
  readonly hidden: number;
  readonly layers: number;
  readonly batch: number;
}

/** One kernel shape of the update: FLOPs per call and calls per update. */
export interface KernelShape {
  readonly name: string;
  readonly kind: "conv2d" | "conv2d-dW" | "conv2d-dX" | "matMul";
  /** conv: [B, H, W, Ci] input, [k, k, Ci, Co] filter, stride; matMul: [m, k] x [k, n]. */
  readonly dims: readonly number[];
  readonly flops: number;
  readonly calls: number;
}

const convOut = (n: number, k: number, s: number): number => Math.floor((n - k) / s) + 1;

/** The encoder's and MLPs' kernel shapes with their calls per update. */
export function updateKernels(l: VisualLayout): KernelShape[] {
  const [c, h, w] = l.camera;
  const B = l.batch;
  const h1 = convOut(h, 8, 4);
  const w1 = convOut(w, 8, 4);
  const h2 = convOut(h1, 4, 2);
  const w2 = convOut(w1, 4, 2);
  const flat = 32 * h2 * w2;
  const conv1 = 2 * B * h1 * w1 * 16 * 8 * 8 * c;
  const conv2 = 2 * B * h2 * w2 * 32 * 4 * 4 * 16;
  const dense = 2 * B * flat * l.hidden;
  const enc = l.hidden + l.vector;
  const mlp = (inW: number, out: number): number => 2 * B * (inW * l.hidden + (l.layers - 1) * l.hidden * l.hidden + l.hidden * out);
  const actorMlp = mlp(enc, 2 * l.continuous + l.discrete);
  const criticMlp = mlp(enc + l.continuous, l.discrete > 0 ? l.discrete : 1);
  const criticMlpBackToAction = l.continuous > 0 ? 2 : 0; // actor step: dQ/da through both critics' MLPs
  return [
    { name: "conv1 8x8/4 forward", kind: "conv2d", dims: [B, h, w, c, 8, 8, c, 16, 4], flops: conv1, calls: 8 },
    { name: "conv1 weight gradient", kind: "conv2d-dW", dims: [B, h, w, c, 8, 8, c, 16, 4], flops: conv1, calls: 3 },
    { name: "conv2 4x4/2 forward", kind: "conv2d", dims: [B, h1, w1, 16, 4, 4, 16, 32, 2], flops: conv2, calls: 8 },
    { name: "conv2 weight gradient", kind: "conv2d-dW", dims: [B, h1, w1, 16, 4, 4, 16, 32, 2], flops: conv2, calls: 3 },
    { name: "conv2 input gradient (tfjs conv2dTranspose)", kind: "conv2d-dX", dims: [B, h1, w1, 16, 4, 4, 16, 32, 2], flops: conv2, calls: 3 },
    { name: `dense ${flat}->${l.hidden} forward`, kind: "matMul", dims: [B, flat, l.hidden], flops: dense, calls: 8 },
    { name: `dense ${flat}->${l.hidden} weight gradient`, kind: "matMul", dims: [flat, B, l.hidden], flops: dense, calls: 3 },
    { name: `dense ${flat}->${l.hidden} input gradient`, kind: "matMul", dims: [B, l.hidden, flat], flops: dense, calls: 3 },
    // The MLPs after the encoder, counted as whole networks (forward, dW, dX = one forward each).
    { name: "actor MLP (fwd 2 + dW + dX)", kind: "matMul", dims: [B, enc, l.hidden], flops: actorMlp, calls: 4 },
    { name: "critic MLPs (fwd 6 + dW 2 + dX 2 + dQ/da)", kind: "matMul", dims: [B, enc, l.hidden], flops: criticMlp, calls: 10 + criticMlpBackToAction },
  ];
}

export function updateFlops(l: VisualLayout): number {
  return updateKernels(l).reduce((s, k) => s + k.flops * k.calls, 0);
}

/** Forward FLOPs of the actor for n agents (one decision step's act call). */
export function actFlops(l: VisualLayout, n: number): number {
  const one = updateKernels({ ...l, batch: n });
  return one.filter((k) => k.name.endsWith("forward")).reduce((s, k) => s + k.flops, 0) + one[8]!.flops; // + one actor MLP forward
}
