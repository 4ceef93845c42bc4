// Runs an exported policy with onnxruntime-node, the way Unity's ModelRunner does: feed obs_i (and
// action_masks, 1 = allowed), read the action outputs, and learn the action layout from the model's
// own constant outputs (version_number, memory_size, *_action_output_shape).
// device "gpu" runs the session on onnxruntime-node's WebGPU execution provider (bundled in its npm
// binary, Dawn on Vulkan); the caller checks the adapter first (src/trainers/gpu/webgpu-adapter.ts).

import * as ort from "onnxruntime-node";
import { MODEL_API_VERSION, TensorNames, obsInputName } from "./contract.js";
import { OnnxPolicyError } from "./errors.js";

export interface PolicyActions {
  /** [n * continuousSize], row-major by agent. */
  readonly continuous: Float32Array;
  /** [n * branches], row-major by agent. */
  readonly discrete: Int32Array;
}

export interface PolicyInput {
  readonly name: string;
  /** Per-agent shape (batch dim dropped). */
  readonly shape: readonly number[];
}

export interface OnnxPolicyOptions {
  /** "cpu" (default): onnxruntime's CPU provider; "gpu": its WebGPU provider. */
  readonly device?: "cpu" | "gpu";
}

export class OnnxPolicy {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly inputs: readonly PolicyInput[],
    readonly outputs: readonly string[],
    readonly version: number,
    readonly memorySize: number,
    readonly continuousSize: number,
    readonly discreteBranches: readonly number[],
  ) {}

  static async load(pathOrBytes: string | Uint8Array, options: OnnxPolicyOptions = {}): Promise<OnnxPolicy> {
    let session: ort.InferenceSession;
    const gpu = options.device === "gpu";
    // On WebGPU, onnxruntime warns at every load that shape ops stay on the CPU (by design): errors only.
    const sessionOptions: ort.InferenceSession.SessionOptions = gpu ? { executionProviders: ["webgpu"], logSeverityLevel: 3 } : { executionProviders: ["cpu"] };
    try {
      session =
        typeof pathOrBytes === "string"
          ? await ort.InferenceSession.create(pathOrBytes, sessionOptions)
          : await ort.InferenceSession.create(pathOrBytes, sessionOptions);
    } catch (e) {
      const where = typeof pathOrBytes === "string" ? `"${pathOrBytes}"` : "from bytes";
      throw new OnnxPolicyError(`load ${where}`, e instanceof Error ? e.message : String(e));
    }
    const inputs = session.inputMetadata.map((m): PolicyInput => {
      if (!m.isTensor || m.type !== "float32") throw new OnnxPolicyError(`input "${m.name}"`, "is not a float32 tensor");
      const dims = m.shape.slice(1);
      if (!dims.every((d): d is number => typeof d === "number" && d > 0)) {
        throw new OnnxPolicyError(`input "${m.name}"`, `has a non-fixed per-agent shape [${m.shape.join(", ")}]`);
      }
      const index = Number(m.name.slice(TensorNames.obsPrefix.length));
      if (m.name !== TensorNames.actionMasks && m.name !== obsInputName(index)) {
        // Unity fails on unknown inputs too ("Unknown tensorProxy expected as input"); recurrent_in is unsupported here.
        throw new OnnxPolicyError(`input "${m.name}"`, "is not obs_<i> or action_masks; this runner cannot feed it");
      }
      return { name: m.name, shape: dims };
    });
    const outputs = [...session.outputNames];
    for (const required of [TensorNames.versionNumber, TensorNames.memorySize]) {
      if (!outputs.includes(required)) throw new OnnxPolicyError(`output "${required}"`, "is missing; Unity cannot load this model");
    }

    // Evaluate the constant outputs once, on a one-agent dummy batch (onnxruntime wants every input fed).
    const feeds: Record<string, ort.Tensor> = {};
    for (const inp of inputs) {
      const size = inp.shape.reduce((a, b) => a * b, 1);
      const fill = inp.name === TensorNames.actionMasks ? 1 : 0;
      feeds[inp.name] = new ort.Tensor("float32", new Float32Array(size).fill(fill), [1, ...inp.shape]);
    }
    const constNames = [
      TensorNames.versionNumber,
      TensorNames.memorySize,
      TensorNames.continuousActionOutputShape,
      TensorNames.discreteActionOutputShape,
    ].filter((n) => outputs.includes(n));
    const consts = await session.run(feeds, constNames);
    const values = (name: string): number[] => (consts[name] ? Array.from(consts[name].data as Float32Array, Number) : []);

    const version = values(TensorNames.versionNumber)[0] ?? NaN;
    const memorySize = values(TensorNames.memorySize)[0] ?? NaN;
    if (!(version >= 2 && version <= MODEL_API_VERSION)) {
      throw new OnnxPolicyError("version_number", `is ${version}; supported model API versions are 2..${MODEL_API_VERSION}`);
    }
    if (memorySize !== 0) throw new OnnxPolicyError("memory_size", `is ${memorySize}; recurrent policies are not supported`);
    const hasContinuous = outputs.includes(TensorNames.continuousActions);
    const hasDiscrete = outputs.includes(TensorNames.discreteActions);
    const continuousSize = hasContinuous ? (values(TensorNames.continuousActionOutputShape)[0] ?? 0) : 0;
    const discreteBranches = hasDiscrete ? values(TensorNames.discreteActionOutputShape) : [];
    if (continuousSize === 0 && discreteBranches.length === 0) {
      throw new OnnxPolicyError("outputs", "the model has no usable action output");
    }
    if (discreteBranches.length > 0 && !inputs.some((i) => i.name === TensorNames.actionMasks)) {
      throw new OnnxPolicyError(`input "${TensorNames.actionMasks}"`, "is missing although the model has discrete actions");
    }
    return new OnnxPolicy(session, inputs, outputs, version, memorySize, continuousSize, discreteBranches);
  }

  /**
   * Actions for `n` agents. `obs[i]` is [n * prod(shape_i)] for input obs_i; `masks` holds one array per
   * discrete branch, [n * branchSize], in the wire convention 1 = masked (null: everything allowed).
   */
  async act(
    obs: readonly Float32Array[],
    n: number,
    masks: readonly Uint8Array[] | null,
    deterministic: boolean,
  ): Promise<PolicyActions> {
    const nb = this.discreteBranches.length;
    if (n === 0) return { continuous: new Float32Array(0), discrete: new Int32Array(0) };
    const feeds: Record<string, ort.Tensor> = {};
    for (const inp of this.inputs) {
      if (inp.name === TensorNames.actionMasks) {
        feeds[inp.name] = new ort.Tensor("float32", this.allowedMask(masks, n), [n, ...inp.shape]);
        continue;
      }
      const index = Number(inp.name.slice(TensorNames.obsPrefix.length)); // checked in load()
      const data = obs[index];
      const per = inp.shape.reduce((a, b) => a * b, 1);
      if (!data || data.length !== n * per) {
        throw new OnnxPolicyError(`input "${inp.name}"`, `expects ${n} x ${per} floats, got ${data?.length ?? "none"}`);
      }
      feeds[inp.name] = new ort.Tensor("float32", data, [n, ...inp.shape]);
    }
    const cName = deterministic ? TensorNames.deterministicContinuousActions : TensorNames.continuousActions;
    const dName = deterministic ? TensorNames.deterministicDiscreteActions : TensorNames.discreteActions;
    const fetches = [...(this.continuousSize > 0 ? [cName] : []), ...(nb > 0 ? [dName] : [])];
    for (const f of fetches) {
      if (!this.outputs.includes(f)) throw new OnnxPolicyError(`output "${f}"`, "is missing");
    }
    const out = await this.session.run(feeds, fetches);
    const continuous = this.continuousSize > 0 ? Float32Array.from(out[cName]!.data as Float32Array) : new Float32Array(0);
    const discrete = nb > 0 ? Int32Array.from(out[dName]!.data as BigInt64Array, Number) : new Int32Array(0);
    return { continuous, discrete };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }

  /** Wire masks (1 = masked, per branch) -> ONNX action_masks (1.0 = allowed, branches flattened per agent). */
  private allowedMask(masks: readonly Uint8Array[] | null, n: number): Float32Array {
    const sizes = this.discreteBranches;
    const total = sizes.reduce((a, b) => a + b, 0);
    const out = new Float32Array(n * total).fill(1);
    if (masks === null) return out;
    if (masks.length !== sizes.length) {
      throw new OnnxPolicyError("action masks", `${masks.length} branch masks given for ${sizes.length} branches`);
    }
    let offset = 0;
    sizes.forEach((size, b) => {
      const m = masks[b]!;
      if (m.length !== n * size) throw new OnnxPolicyError(`action mask of branch ${b}`, `expects ${n} x ${size} values, got ${m.length}`);
      for (let a = 0; a < n; a++) {
        for (let j = 0; j < size; j++) if (m[a * size + j]) out[a * total + offset + j] = 0;
      }
      offset += size;
    });
    return out;
  }
}
