// The fields a worker adds to a segment's SegmentResult for its coordinator: the input state's step
// counter (the segment's own steps are the difference) and the environment's behavior spec (the
// final ONNX export needs it). Results come through Redis: checked like any untrusted input.
import { behaviorSpecFromJson } from "../behavior-spec-json.js";

export interface WorkerExtras {
  fromSteps: number;
  behaviorSpec: string;
}

/** Largest behavior spec accepted (a spec is a few hundred bytes). */
const MAX_SPEC_CHARS = 64 * 1024;

export function parseWorkerExtras(value: unknown): WorkerExtras {
  if (typeof value !== "object" || value === null) throw new Error("the result is not an object");
  const v = value as Record<string, unknown>;
  if (!Number.isSafeInteger(v.fromSteps) || (v.fromSteps as number) < 0) throw new Error("fromSteps must be a non-negative integer");
  if (typeof v.behaviorSpec !== "string" || v.behaviorSpec.length > MAX_SPEC_CHARS) throw new Error("behaviorSpec must be a behavior spec in JSON");
  behaviorSpecFromJson(v.behaviorSpec); // throws on anything that is not a spec
  return { fromSteps: v.fromSteps as number, behaviorSpec: v.behaviorSpec };
}
