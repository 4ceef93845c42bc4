// Worker-thread side of the threaded SAC engines (threaded-sac-host.ts): one WebAssembly backend and
// the fast engines (fast-engine.ts) of every threaded trainer of the process, a population's members
// included, each under the id its trainer-side engine gave it. Requests arrive in batches on one
// FIFO port and run one after another: an update is answered by its losses and the actor's new
// weights, a call by its result, all answers of a batch in one message; since a call runs after
// every update queued before it, its answer is drained.

import { parentPort, workerData } from "node:worker_threads";
import type { TrainerSettings } from "../../config/trainer-settings.js";
import { ActionSpec, type BehaviorSpec } from "../../env/behavior-spec.js";
import { initBackend } from "../backend.js";
import { linkPost, type WorkerLinkData } from "../common/worker-link.js";
import { FastSacEngine, type DrawnUpdate } from "./fast-engine.js";
import { SacCommon } from "./sac-common.js";
import type { EngineHyperparameters, UpdateLosses } from "./sac-engine.js";
import type { SacState } from "./sac-state.js";

/** The behavior spec as plain data (an ActionSpec does not cross threads as a class). */
export interface PlainSpec {
  readonly observationSpecs: BehaviorSpec["observationSpecs"];
  readonly continuousSize: number;
  readonly branches: number[];
}

/** Engine calls that wait for an answer. */
export type ThreadedCall = "getState" | "setState" | "alphas" | "updateCount" | "gemmCalls" | "dispose";

export type ThreadedRequest =
  | { readonly op: "create"; readonly id: number; readonly spec: PlainSpec; readonly settings: TrainerSettings; readonly seed: number }
  | { readonly op: "update"; readonly id: number; readonly drawn: DrawnUpdate }
  | { readonly op: "hyperparameters"; readonly id: number; readonly h: Partial<EngineHyperparameters> }
  | { readonly op: "call"; readonly id: number; readonly name: ThreadedCall; readonly args: unknown[] };

export type ThreadedAnswer =
  | { readonly kind: "reply"; readonly id: number; readonly result?: unknown; readonly error?: string }
  | { readonly kind: "updated"; readonly id: number; readonly losses: UpdateLosses; readonly actor: Float32Array }
  | { readonly kind: "failed"; readonly id: number; readonly error: string };

const link = workerData as WorkerLinkData;
const engines = new Map<number, FastSacEngine>();
/** Engines whose update threw: their state is unknown, so every later request is refused. */
const broken = new Map<number, string>();

/** Answers of the batch being handled, sent together when it is done. */
let answers: ThreadedAnswer[] = [];

function post(answer: ThreadedAnswer): void {
  answers.push(answer);
}

function engineOf(id: number): FastSacEngine {
  const failure = broken.get(id);
  if (failure !== undefined) throw new Error(`an earlier update failed: ${failure}`);
  const e = engines.get(id);
  if (!e) throw new Error(`no engine ${id}`);
  return e;
}

function call(e: FastSacEngine, name: ThreadedCall, args: unknown[]): unknown {
  switch (name) {
    case "getState":
      return e.getState();
    case "setState":
      return e.setState(args[0] as SacState);
    case "alphas":
      return e.alphas;
    case "updateCount":
      return e.updateCount;
    case "gemmCalls":
      return e.gemmCalls;
    case "dispose":
      return undefined; // handled before (a broken engine is disposed too)
  }
}

function handle(m: ThreadedRequest): void {
  switch (m.op) {
    case "create": {
      const spec: BehaviorSpec = { observationSpecs: m.spec.observationSpecs, actionSpec: new ActionSpec(m.spec.continuousSize, m.spec.branches) };
      const e = new FastSacEngine(new SacCommon(spec, m.settings, m.seed));
      engines.set(m.id, e);
      post({ kind: "reply", id: m.id, result: e.engine });
      return;
    }
    case "update": {
      if (broken.has(m.id)) return; // reported once, when it failed
      try {
        const e = engineOf(m.id);
        const losses = e.applyUpdate(m.drawn);
        post({ kind: "updated", id: m.id, losses, actor: e.readActor() });
      } catch (error) {
        broken.set(m.id, (error as Error).message);
        post({ kind: "failed", id: m.id, error: (error as Error).message });
      }
      return;
    }
    case "hyperparameters":
      engines.get(m.id)?.setHyperparameters(m.h); // checked on the trainer's thread before it was sent
      return;
    case "call":
      if (m.name === "dispose") {
        engines.get(m.id)?.dispose();
        engines.delete(m.id);
        broken.delete(m.id);
        post({ kind: "reply", id: m.id });
        return;
      }
      try {
        post({ kind: "reply", id: m.id, result: call(engineOf(m.id), m.name, m.args) });
      } catch (error) {
        post({ kind: "reply", id: m.id, error: (error as Error).message });
      }
  }
}

let failure: string | null = null;
try {
  await initBackend("wasm");
} catch (e) {
  failure = `the WebAssembly backend failed to start in the worker: ${(e as Error).message}`;
}

function handleChecked(m: ThreadedRequest): void {
  if (failure !== null) {
    if (m.op === "create" || m.op === "call") post({ kind: "reply", id: m.id, error: failure });
    return;
  }
  try {
    handle(m);
  } catch (error) {
    if (m.op === "create") post({ kind: "reply", id: m.id, error: (error as Error).message });
    else throw error;
  }
}

link.port.on("message", (batch: ThreadedRequest[]) => {
  for (const m of batch) handleChecked(m);
  const sent = answers;
  answers = [];
  linkPost(link, sent, sent.flatMap((a) => (a.kind === "updated" ? [a.actor.buffer as ArrayBuffer] : [])));
});
parentPort?.unref();
