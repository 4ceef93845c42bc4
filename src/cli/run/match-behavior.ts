// Which of the environment's behaviors an exported model drives, and whether its tensors fit:
// `<Name>.onnx` (or `<Name>-<step>.onnx`, a checkpoint export) picks behavior Name; a model with any
// other file name drives the environment's only behavior. Shapes are checked the way Unity's
// Behavior Parameters inspector checks them (docs/protocol.md §6.5), but as errors: a mismatch cannot run.
import * as path from "node:path";
import { parseBehaviorName, type BehaviorSpec } from "../../env/index.js";
import { obsInputName, type PolicyInput } from "../../export/index.js";
import { PolicyMismatchError } from "./errors.js";

/** What the loaded model declares (OnnxPolicy has these fields). */
export interface ModelInterface {
  readonly inputs: readonly PolicyInput[];
  readonly continuousSize: number;
  readonly discreteBranches: readonly number[];
}

/** Behavior names a model file name stands for: "3DBall.onnx" -> 3DBall, "3DBall-90000.onnx" -> 3DBall too. */
export function behaviorNamesFromFile(modelPath: string): string[] {
  const stem = path.basename(modelPath).replace(/\.onnx$/i, "");
  const names = [stem];
  const m = /^(.*)-\d+$/.exec(stem);
  if (m && m[1]) names.push(m[1]);
  return names;
}

/**
 * Fully-qualified behavior names ("3DBall?team=0", ...) of the plain behavior the model drives.
 * Throws PolicyMismatchError when no behavior or several candidates fit.
 */
export function chooseBehavior(modelPath: string, fullNames: readonly string[]): { name: string; fullNames: string[] } {
  const plain = new Map<string, string[]>();
  for (const full of fullNames) {
    const { name } = parseBehaviorName(full);
    plain.set(name, [...(plain.get(name) ?? []), full]);
  }
  const model = path.basename(modelPath);
  if (plain.size === 0) throw new PolicyMismatchError(model, "", "the environment announced no behavior");
  for (const candidate of behaviorNamesFromFile(modelPath)) {
    const hit = plain.get(candidate);
    if (hit) return { name: candidate, fullNames: hit };
  }
  if (plain.size === 1) {
    const [name, hit] = [...plain][0]!;
    return { name, fullNames: hit };
  }
  throw new PolicyMismatchError(
    model,
    "",
    `the environment has behaviors ${[...plain.keys()].join(", ")}; name the model <Behavior>.onnx to choose one`,
  );
}

/** Throws PolicyMismatchError naming the first observation or action that differs. */
export function checkModelFitsSpec(modelPath: string, behavior: string, model: ModelInterface, spec: BehaviorSpec): void {
  const fail = (detail: string): never => {
    throw new PolicyMismatchError(path.basename(modelPath), behavior, detail);
  };
  const obs = spec.observationSpecs;
  for (const input of model.inputs) {
    if (!input.name.startsWith("obs_")) continue;
    const index = Number(input.name.slice(4));
    if (input.name !== obsInputName(index) || index >= obs.length) {
      fail(`the model reads ${input.name} but the behavior has ${obs.length} observation(s)`);
    }
    const want = obs[index]!.shape;
    if (want.length !== input.shape.length || want.some((d, j) => d !== input.shape[j])) {
      fail(`observation ${index} has shape [${want.join(", ")}] but the model's ${input.name} is [${input.shape.join(", ")}]`);
    }
  }
  const a = spec.actionSpec;
  if (a.continuousSize !== model.continuousSize) {
    fail(`the behavior has ${a.continuousSize} continuous action(s), the model ${model.continuousSize}`);
  }
  const mb = model.discreteBranches;
  if (a.discreteBranches.length !== mb.length || a.discreteBranches.some((b, j) => b !== mb[j])) {
    fail(`the behavior's discrete branches are [${a.discreteBranches.join(", ")}], the model's [${mb.join(", ")}]`);
  }
}
