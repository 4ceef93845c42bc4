// PBT exploit copies a whole member: setState(getState()) into another trainer must give a
// bit-identical state (weights, Adam moments, normalizer, entropy coefficients, counters, RNG,
// hyperparameters, replay buffer) and identical training afterwards, on both real engines.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { TrainerSettings } from "../../../src/config/trainer-settings.js";
import { initBackend } from "../../../src/trainers/backend.js";
import { ReplayBuffer } from "../../../src/trainers/common/replay-buffer.js";
import { createSacEngine } from "../../../src/trainers/sac/sac-model.js";
import { SacTrainer, defaultSacDeps } from "../../../src/trainers/sac/sac-trainer.js";
import { Env, envSpec, settings } from "./trainer-helpers.js";

beforeAll(async () => {
  await initBackend("wasm");
});

const spec = envSpec(2);

const live: SacTrainer[] = [];
afterEach(() => live.splice(0).forEach((t) => t.dispose()));

function tiny(): TrainerSettings {
  const base = settings({ batch_size: 8, steps_per_update: 2, buffer_size: 300 });
  return { ...base, network_settings: { ...base.network_settings, hidden_units: 8, num_layers: 1, normalize: true } };
}

function trainer(seed: number, engine: "fast" | "tape"): SacTrainer {
  const t = new SacTrainer({ behaviorName: "Ball", spec, settings: tiny(), seed, deps: { ...defaultSacDeps, createModel: (sp, st, sd) => createSacEngine(sp, st, sd, { engine }) } });
  live.push(t);
  return t;
}

describe.each(["fast", "tape"] as const)("an exact copy of a trainer (%s engine)", (engine) => {
  it("setState(getState()) is bit-identical and trains identically on the same data", () => {
    const a = trainer(1, engine);
    a.setHyperparameters({ tau: 0.05, learning_rate: 2e-3, target_entropy_scale: 1.5, gamma: 0.95 });
    const env = new Env(3, 7);
    let updates = 0;
    for (let i = 0; i < 200; i++) {
      const { decision, terminal } = env.next();
      a.observe(decision, terminal);
      a.act(decision);
      updates += a.maybeUpdate();
    }
    expect(updates).toBeGreaterThan(100);
    expect(a.bufferSize).toBe(300); // the ring has wrapped
    a.summary();
    a.discardPending(); // open experiences belong to A's agents, not to the state
    const b = trainer(99, engine);
    b.setState(a.getState());
    expect(b.getState()).toEqual(a.getState()); // every typed array element by Object.is
    expect(b.hyperparameters()).toEqual(a.hyperparameters());
    expect(b.updateStepCount).toBe(a.updateStepCount);

    const envB = new Env(3, 7);
    envB.t = env.t;
    for (let i = 0; i < 40; i++) {
      const x = env.next();
      const y = envB.next();
      a.observe(x.decision, x.terminal);
      b.observe(y.decision, y.terminal);
      expect(Array.from(b.act(y.decision).continuous)).toEqual(Array.from(a.act(x.decision).continuous));
      expect(b.maybeUpdate()).toBe(a.maybeUpdate());
      if (i % 10 === 9) expect(b.summary().values).toEqual(a.summary().values); // same losses, entropy, alphas
    }
    expect(b.getState()).toEqual(a.getState());
  });
});

describe("the replay buffer in a trainer state", () => {
  it("is a deep copy: 16 MB for 3DBall (8 observations, 2 continuous actions, buffer_size 200000)", () => {
    const buffer = new ReplayBuffer({ obsSizes: [8], continuousSize: 2, discreteSize: 0, maskSize: 0 }, 200000);
    const st = buffer.getState();
    const arrays = [...st.obs, ...st.nextObs, st.continuousActions, st.discreteActions, st.rewards, st.dones, st.actionMasks, st.nextActionMasks];
    expect(arrays.reduce((n, x) => n + x.byteLength, 0)).toBe(200000 * (8 + 8 + 2 + 1 + 1) * 4);
    const again = buffer.getState();
    again.rewards[0] = 5;
    expect(buffer.getState().rewards[0]).toBe(0);
  });
});
