// The threaded engine (threaded-sac-engine.ts: updates in the process's worker thread, acting on a
// replica) against the synchronous fast engine, both built from the same seed and fed the same
// calls. Driven synchronously (drained after every update) it must equal the fast engine bit for
// bit: weights, optimizer moments, entropy coefficients, noise stream, normalizers, losses and
// actions. Driven asynchronously its state read after N queued updates must equal the fast
// engine's after the same N updates, while its acting policy lags by at most MAX_UPDATES_IN_FLIGHT.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../../src/trainers/backend.js";
import type { TransitionBatch } from "../../../src/trainers/common/transition.js";
import { FastSacEngine } from "../../../src/trainers/sac/fast-engine.js";
import { createSacEngine, createTrainerModel } from "../../../src/trainers/sac/sac-model.js";
import type { SacEngine, UpdateLosses } from "../../../src/trainers/sac/sac-engine.js";
import { MAX_UPDATES_IN_FLIGHT, ThreadedSacEngine } from "../../../src/trainers/sac/threaded-sac-engine.js";
import { ThreadedSacHost } from "../../../src/trainers/sac/threaded-sac-host.js";
import { SacTrainer } from "../../../src/trainers/sac/sac-trainer.js";
import { Tags } from "../../../src/trainers/stats/trainer-summary.js";
import { createMemoryLogger } from "../../../src/util/logger.js";
import { makeSpec, randomBatch, sacSettings, vectorCases } from "./helpers.js";
import { Env, envSpec, settings as trainerSettings } from "./trainer-helpers.js";

beforeAll(async () => {
  await initBackend("wasm");
});

const made: { dispose(): void }[] = [];
afterEach(() => made.splice(0).forEach((m) => m.dispose()));

type Case = (typeof vectorCases)[keyof typeof vectorCases];

/** A fast engine and a threaded one from the same seed and settings. */
function pair(c: Case, seed: number): { sync: FastSacEngine; threaded: ThreadedSacEngine; spec: ReturnType<typeof makeSpec> } {
  const spec = makeSpec(c.shapes, c.cont, c.branches);
  const settings = sacSettings({ normalize: true, hidden: 12, lr: 3e-3, tau: 0.05, batch: 16 });
  const sync = createSacEngine(spec, settings, seed, { engine: "fast" });
  const threaded = createTrainerModel(spec, { ...settings, threaded: true }, seed);
  made.push(sync, threaded);
  expect(sync).toBeInstanceOf(FastSacEngine);
  expect(threaded).toBeInstanceOf(ThreadedSacEngine);
  return { sync: sync as FastSacEngine, threaded: threaded as ThreadedSacEngine, spec };
}

/** Observations of round k: shifted and scaled, so the normalizers keep moving. */
function roundBatch(spec: ReturnType<typeof makeSpec>, k: number): TransitionBatch {
  const b = randomBatch(spec, 16, 100 + k, 3);
  return { ...b, obs: b.obs.map((o) => o.map((v) => v * (1 + k) + 0.3 * k)) };
}

/** One trainer step on both: the normalizer sees the batch, both act on it (sampled), both update on it. */
function step(engines: readonly Pick<SacEngine, "updateNormalizer" | "act">[], batch: TransitionBatch): ReturnType<SacEngine["act"]>[] {
  return engines.map((e) => {
    e.updateNormalizer(batch.obs, batch.length);
    return e.act(batch.obs, batch.length, null, false);
  });
}

describe("threaded engine driven synchronously equals the fast engine bit for bit", () => {
  for (const [name, c] of Object.entries(vectorCases)) {
    it(`${name}: actions, losses and the whole state after every update`, () => {
      const { sync, threaded, spec } = pair(c, 7);
      expect(threaded.getState()).toStrictEqual(sync.getState()); // same initial weights from the seed
      for (let k = 0; k < 6; k++) {
        const batch = roundBatch(spec, k);
        const [a, b] = step([sync, threaded], batch);
        expect(b).toStrictEqual(a);
        if (k === 3) for (const e of [sync, threaded]) e.setHyperparameters({ learningRate: 1e-3, tau: 0.02, gamma: 0.9 });
        const losses = sync.update(batch);
        expect(threaded.update(batch)).toBeNull();
        expect(threaded.takeLosses(true)).toStrictEqual([losses]);
        expect(threaded.getState()).toStrictEqual(sync.getState());
      }
      expect(threaded.updateCount).toBe(6);
      expect(threaded.alphas).toStrictEqual(sync.alphas);
      expect(threaded.hyperparameters()).toStrictEqual(sync.hyperparameters());
      expect(threaded.snapshot()).toStrictEqual(sync.snapshot());
      const probe = roundBatch(spec, 9);
      expect(threaded.evaluate(probe.obs, 16, null)).toStrictEqual(sync.evaluate(probe.obs, 16, null));
      expect(threaded.act(probe.obs, 16, null, true)).toStrictEqual(sync.act(probe.obs, 16, null, true));
    });
  }
});

describe("threaded engine driven asynchronously", () => {
  it("a state read after N queued updates equals the fast engine after the same N; at most MAX_UPDATES_IN_FLIGHT are queued", () => {
    const { sync, threaded, spec } = pair(vectorCases.hybrid, 3);
    const expected: UpdateLosses[] = [];
    const got: UpdateLosses[] = [];
    for (let k = 0; k < 12; k++) {
      const batch = roundBatch(spec, k);
      step([sync, threaded], batch); // the same draws from the noise stream, whatever weights act
      expected.push(sync.update(batch));
      threaded.update(batch);
      expect(threaded.queuedUpdates).toBeLessThanOrEqual(MAX_UPDATES_IN_FLIGHT);
      expect(threaded.queuedUpdates).toBeGreaterThan(0);
      if (k === 5) sync.setHyperparameters({ learningRate: 2e-3 });
      if (k === 5) threaded.setHyperparameters({ learningRate: 2e-3 }); // queued between the same two updates
      got.push(...threaded.takeLosses(false));
    }
    const state = threaded.getState(); // waits for the queued updates
    expect(threaded.queuedUpdates).toBe(0);
    expect(state).toStrictEqual(sync.getState());
    got.push(...threaded.takeLosses(false));
    expect(got).toStrictEqual(expected);
    // After the drain the replica acts with the learner's newest actor.
    const probe = roundBatch(spec, 20);
    expect(threaded.act(probe.obs, 16, null, true)).toStrictEqual(sync.act(probe.obs, 16, null, true));
  });

  it("setState waits for the queued updates, then both sides hold the copy: an exact copy trains on identically", () => {
    const { sync, threaded, spec } = pair(vectorCases.continuous, 5);
    for (let k = 0; k < 4; k++) threaded.update(roundBatch(spec, k)); // diverges from sync (sync stays fresh)
    sync.update(roundBatch(spec, 50));
    threaded.setState(sync.getState());
    expect(threaded.queuedUpdates).toBe(0);
    expect(threaded.getState()).toStrictEqual(sync.getState());
    const batch = roundBatch(spec, 7);
    step([sync, threaded], batch);
    const losses = sync.update(batch);
    threaded.update(batch);
    const arrived = threaded.takeLosses(true); // the 4 updates before the copy happened: their losses are kept
    expect(arrived).toHaveLength(5);
    expect(arrived[4]).toStrictEqual(losses);
    expect(threaded.getState()).toStrictEqual(sync.getState());
    expect(threaded.act(batch.obs, 16, null, true)).toStrictEqual(sync.act(batch.obs, 16, null, true));
  });

  it("engines of one process share one worker thread, each equal to its synchronous twin when their updates interleave", () => {
    const a = pair(vectorCases.discrete, 11);
    const b = pair(vectorCases.discrete, 12);
    const host = ThreadedSacHost.acquire();
    expect(host.engineCount).toBe(2);
    for (let k = 0; k < 5; k++) {
      for (const p of [a, b]) {
        const batch = roundBatch(p.spec, k + (p === b ? 30 : 0));
        step([p.sync, p.threaded], batch);
        p.sync.update(batch);
        p.threaded.update(batch);
      }
    }
    expect(a.threaded.getState()).toStrictEqual(a.sync.getState());
    expect(b.threaded.getState()).toStrictEqual(b.sync.getState());
    expect(a.threaded.getState()).not.toStrictEqual(b.threaded.getState());
  });

  it("a bad hyperparameter is refused on the caller's thread and changes nothing", () => {
    const { sync, threaded, spec } = pair(vectorCases.discrete, 2);
    expect(() => threaded.setHyperparameters({ targetEntropyDiscrete: [0.1] })).toThrow(/targetEntropyDiscrete: 1 values for 2 branches/);
    const batch = roundBatch(spec, 1);
    step([sync, threaded], batch);
    sync.update(batch);
    threaded.update(batch);
    expect(threaded.getState()).toStrictEqual(sync.getState());
  });
});

describe("a SacTrainer with threaded: true", () => {
  const spec = envSpec(2);
  const base = trainerSettings({ batch_size: 8, steps_per_update: 2 });
  const trainer = (threaded: boolean): SacTrainer => {
    const t = new SacTrainer({ behaviorName: "Ball", spec, settings: { ...base, threaded }, seed: 5 });
    made.push(t);
    return t;
  };
  const stepOnce = (t: SacTrainer, env: Env): ReturnType<SacTrainer["act"]> => {
    const { decision, terminal } = env.next();
    t.observe(decision, terminal);
    const actions = t.act(decision);
    t.maybeUpdate();
    return actions;
  };

  it("drained after every step, equals the plain trainer: actions, summaries with their losses, state", () => {
    const plain = trainer(false);
    const threaded = trainer(true);
    expect(threaded.updateModel).toBeInstanceOf(ThreadedSacEngine);
    const envs = [new Env(4, 5), new Env(4, 5)];
    for (let k = 1; k <= 30; k++) {
      expect(stepOnce(threaded, envs[1]!)).toStrictEqual(stepOnce(plain, envs[0]!));
      threaded.getState(); // waits for the worker: the next action uses the newest weights, as in the plain trainer
      if (k % 15 === 0) {
        const summary = plain.summary();
        expect(summary.values[Tags.q1Loss]).toBeDefined();
        expect(threaded.summary()).toStrictEqual(summary);
      }
    }
    expect(plain.updateStepCount).toBeGreaterThan(40);
    expect(threaded.getState()).toStrictEqual(plain.getState());
  });

  it("not drained, the updates keep the schedule and a summary holds the losses of every update queued before it", () => {
    const threaded = trainer(true);
    const env = new Env(4, 5);
    for (let k = 0; k < 30; k++) stepOnce(threaded, env);
    const model = threaded.updateModel as ThreadedSacEngine;
    expect(model.queuedUpdates).toBeLessThanOrEqual(MAX_UPDATES_IN_FLIGHT);
    const summary = threaded.summary();
    for (const tag of [Tags.q1Loss, Tags.q2Loss, Tags.policyLoss, Tags.entropy]) expect(Number.isFinite(summary.values[tag])).toBe(true);
    expect(model.queuedUpdates).toBe(0);
    expect(model.takeLosses(false)).toStrictEqual([]); // nothing left for the next summary
    expect(model.updateCount).toBe(threaded.updateStepCount - 1);
  });
});

describe("where threaded is not used", () => {
  it("images (tape engine): one info line says why, and the model updates on the trainer's thread", () => {
    const logger = createMemoryLogger("info");
    const m = createTrainerModel(makeSpec([[3, 20, 20]], 1, []), { ...sacSettings({ hidden: 8 }), threaded: true }, 1, {}, logger, "Behavior Eye");
    made.push(m);
    expect(m).not.toBeInstanceOf(ThreadedSacEngine);
    expect(m.engine).toBe("tape");
    const lines = logger.lines.filter((l) => l.includes("threaded"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/Behavior Eye: threaded: true is not used \(visual observations train on the tape engine/);
    const batch = randomBatch(makeSpec([[3, 20, 20]], 1, []), 4, 1);
    expect(m.update(batch)).not.toBeNull();
  });
});
