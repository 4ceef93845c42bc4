// The GPU engine: the tape engine's networks and SAC equations (src/trainers/sac/tape-engine.ts,
// TapeSac) on the WebGPU backend, with every read-back awaited. tfjs' webgpu backend cannot read a
// tensor synchronously in Node (its readSync draws through an OffscreenCanvas, which Node lacks,
// and Dawn maps buffers only from the event loop), so TapeSacEngine's dataSync() cannot run there.
// Reads per call: the actions per act, one statistics vector per update (the host-side alpha step
// needs the actor's entropy terms), every parameter in one vector for getState and snapshot.
// The synchronous trainer gets this engine through a worker thread (gpu-worker-sac-model.ts).

import type { TrainerSettings } from "../../config/trainer-settings.js";
import type { BehaviorSpec } from "../../env/behavior-spec.js";
import type { ActorSnapshot } from "../common/actor-snapshot.js";
import type { TransitionBatch } from "../common/transition.js";
import { readWhenReady } from "../sac/device-result.js";
import { SacCommon } from "../sac/sac-common.js";
import type { ActionBatch, AsyncSacEngine, PolicyEvaluation, UpdateLosses } from "../sac/sac-engine.js";
import type { SacState } from "../sac/sac-state.js";
import { TapeSac } from "../sac/tape-engine.js";

export class GpuSacEngine extends TapeSac implements AsyncSacEngine {
  readonly engine = "tape on WebGPU";
  readonly gemmCalls = 0;

  /** Same seed, same creation order as the tape engine: the same initial weights and SacState layout. */
  static create(spec: BehaviorSpec, settings: TrainerSettings, seed: number): GpuSacEngine {
    return new GpuSacEngine(new SacCommon(spec, settings, seed));
  }

  act(obs: readonly Float32Array[], n: number, masks: readonly Uint8Array[] | null, deterministic: boolean): Promise<ActionBatch> {
    return readWhenReady(this.actOnDevice(obs, n, masks, deterministic));
  }

  evaluate(obs: readonly Float32Array[], n: number, masks: readonly Uint8Array[] | null): Promise<PolicyEvaluation> {
    return readWhenReady(this.evaluateOnDevice(obs, n, masks));
  }

  update(batch: TransitionBatch): Promise<UpdateLosses> {
    return readWhenReady(this.updateOnDevice(batch));
  }

  getState(): Promise<SacState> {
    return readWhenReady(this.stateOnDevice());
  }

  snapshot(): Promise<ActorSnapshot> {
    return readWhenReady(this.snapshotOnDevice());
  }
}
