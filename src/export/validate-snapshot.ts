// Checks an ActorSnapshot against the observation shapes before any node is written: every size must
// chain (encoders -> body -> heads), every weight be finite, every std positive. Errors name the field.

import type { ActorSnapshot, ConvWeights, DenseWeights } from "../trainers/common/actor-snapshot.js";
import { ExportError } from "./errors.js";

/** Output side length of a valid (unpadded) convolution. */
export function convOutSize(inSize: number, kernel: number, stride: number): number {
  return Math.floor((inSize - kernel) / stride) + 1;
}

export function validateSnapshot(s: ActorSnapshot, observationShapes: readonly (readonly number[])[]): void {
  if (s.encoders.length === 0) throw new ExportError("encoders", "the actor has no observations");
  if (observationShapes.length !== s.encoders.length) {
    throw new ExportError(
      "observationShapes",
      `${observationShapes.length} shapes given for ${s.encoders.length} encoders`,
    );
  }
  let width = 0;
  s.encoders.forEach((enc, i) => {
    const shape = observationShapes[i]!;
    const at = `encoders[${i}]`;
    if (!shape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new ExportError(`observationShapes[${i}]`, `[${shape.join(", ")}] has a non-positive or fractional dim`);
    }
    if (enc.kind === "vector") {
      if (shape.length !== 1 || shape[0] !== enc.size) {
        throw new ExportError(at, `vector encoder of size ${enc.size} does not match observation shape [${shape.join(", ")}]`);
      }
      if (enc.normalizer) {
        checkVector(`${at}.normalizer.mean`, enc.normalizer.mean, enc.size);
        checkVector(`${at}.normalizer.std`, enc.normalizer.std, enc.size);
        if (enc.normalizer.std.some((v) => !(v > 0))) {
          throw new ExportError(`${at}.normalizer.std`, "every std must be > 0 (it divides the observation)");
        }
      }
      width += enc.size;
      return;
    }
    if (enc.kind !== "visual") throw new ExportError(at, `unsupported encoder kind "${(enc as { kind: string }).kind}"`);
    const [c, hh, ww] = enc.shape;
    if (shape.length !== 3 || shape[0] !== c || shape[1] !== hh || shape[2] !== ww) {
      throw new ExportError(at, `visual encoder for [${enc.shape.join(", ")}] does not match observation shape [${shape.join(", ")}]`);
    }
    const [c1, h1, w1] = checkConv(`${at}.conv1`, enc.conv1, c, hh, ww);
    const [c2, h2, w2] = checkConv(`${at}.conv2`, enc.conv2, c1, h1, w1);
    checkDense(`${at}.dense`, enc.dense, c2 * h2 * w2);
    width += enc.dense.outSize;
  });
  s.body.forEach((layer, i) => {
    checkDense(`body[${i}]`, layer, width);
    width = layer.outSize;
  });
  if (!s.continuous && !s.discrete) throw new ExportError("heads", "the actor has neither continuous nor discrete actions");
  if (s.continuous) {
    const c = s.continuous;
    if (!Number.isInteger(c.size) || c.size <= 0) throw new ExportError("continuous.size", `must be a positive integer, got ${c.size}`);
    checkDense("continuous.mu", c.mu, width, c.size);
    checkDense("continuous.logSigma", c.logSigma, width, c.size);
  }
  if (s.discrete) {
    const { branchSizes, heads } = s.discrete;
    if (branchSizes.length === 0) throw new ExportError("discrete.branchSizes", "is empty; use discrete: null");
    if (heads.length !== branchSizes.length) {
      throw new ExportError("discrete.heads", `${heads.length} heads for ${branchSizes.length} branches`);
    }
    branchSizes.forEach((size, b) => {
      if (!Number.isInteger(size) || size <= 0) throw new ExportError(`discrete.branchSizes[${b}]`, `must be a positive integer, got ${size}`);
      checkDense(`discrete.heads[${b}]`, heads[b]!, width, size);
    });
  }
}

function checkVector(at: string, v: Float32Array, length: number): void {
  if (v.length !== length) throw new ExportError(at, `has ${v.length} values, expected ${length}`);
  const bad = v.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new ExportError(at, `value [${bad}] is ${v[bad]}`);
}

function checkDense(at: string, d: DenseWeights, inSize: number, outSize?: number): void {
  if (d.inSize !== inSize) throw new ExportError(`${at}.inSize`, `is ${d.inSize} but the layer below outputs ${inSize}`);
  if (outSize !== undefined && d.outSize !== outSize) throw new ExportError(`${at}.outSize`, `is ${d.outSize}, expected ${outSize}`);
  if (!Number.isInteger(d.outSize) || d.outSize <= 0) throw new ExportError(`${at}.outSize`, `must be a positive integer, got ${d.outSize}`);
  checkVector(`${at}.kernel`, d.kernel, d.inSize * d.outSize);
  checkVector(`${at}.bias`, d.bias, d.outSize);
}

function checkConv(at: string, w: ConvWeights, c: number, h: number, wd: number): [number, number, number] {
  if (w.inChannels !== c) throw new ExportError(`${at}.inChannels`, `is ${w.inChannels} but the input has ${c} channels`);
  for (const [k, v] of Object.entries({ outChannels: w.outChannels, kernelH: w.kernelH, kernelW: w.kernelW, strideH: w.strideH, strideW: w.strideW })) {
    if (!Number.isInteger(v) || v <= 0) throw new ExportError(`${at}.${k}`, `must be a positive integer, got ${v}`);
  }
  const oh = convOutSize(h, w.kernelH, w.strideH);
  const ow = convOutSize(wd, w.kernelW, w.strideW);
  if (oh < 1 || ow < 1) throw new ExportError(at, `a ${w.kernelH}x${w.kernelW} kernel does not fit a ${h}x${wd} input`);
  checkVector(`${at}.kernel`, w.kernel, w.outChannels * w.inChannels * w.kernelH * w.kernelW);
  checkVector(`${at}.bias`, w.bias, w.outChannels);
  return [w.outChannels, oh, ow];
}
