// A population updated in stacked rounds (population-update.ts) against the same members each
// updated by its own maybeUpdate (the independent computation): the same RNG draws, updates per
// call, losses in the summaries and trainer state, byte for byte.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../../src/trainers/backend.js";
import type { TrainerSettings } from "../../../src/config/trainer-settings.js";
import { createSacEngine } from "../../../src/trainers/sac/sac-model.js";
import { defaultSacDeps, SacTrainer } from "../../../src/trainers/sac/sac-trainer.js";
import { PopulationUpdater, updatePopulation } from "../../../src/trainers/sac/population-update.js";
import { Env, envSpec, settings } from "./trainer-helpers.js";

beforeAll(async () => {
  await initBackend("wasm");
});

const spec = envSpec(2);

const net = (hidden: number): Partial<TrainerSettings> => ({
  network_settings: { normalize: true, hidden_units: hidden, num_layers: 2, vis_encode_type: "simple", memory: null, goal_conditioning_type: "hyper", deterministic: false },
});

/** Members with different hyperparameters, schedules and batch sizes; member 3 has a layout of its own, member 5 the tape engine. */
const members: { s: TrainerSettings; engine: "fast" | "tape" }[] = [
  { s: settings({ batch_size: 16 }, net(8)), engine: "fast" },
  { s: settings({ batch_size: 8, learning_rate: 1e-3, tau: 0.01, steps_per_update: 2 }, net(8)), engine: "fast" },
  { s: settings({ batch_size: 12, learning_rate: 3e-3, buffer_init_steps: 40, init_entcoef: 0.3 }, { ...net(8), reward_signals: { extrinsic: { gamma: 0.9, strength: 0.5 } } }), engine: "fast" },
  { s: settings({ batch_size: 8 }, net(16)), engine: "fast" },
  { s: settings({ batch_size: 10, steps_per_update: 3, tau: 0.05 }, net(8)), engine: "fast" },
  { s: settings({ batch_size: 8 }, net(8)), engine: "tape" },
];

const live: SacTrainer[] = [];
afterEach(() => live.splice(0).forEach((t) => t.dispose()));

function population(): SacTrainer[] {
  return members.map(({ s, engine }, i) => {
    const t = new SacTrainer({ behaviorName: `m${i}`, spec, settings: s, seed: 11 + i, deps: { ...defaultSacDeps, createModel: (sp, st, sd) => createSacEngine(sp, st, sd, { engine }) } });
    live.push(t);
    return t;
  });
}

/** One environment step for every member (its own copy of the deterministic environment). */
function step(trainers: SacTrainer[], envs: Env[]): void {
  trainers.forEach((t, i) => {
    const { decision, terminal } = envs[i].next();
    t.observe(decision, terminal);
    t.act(decision);
  });
}

describe("PopulationUpdater", () => {
  it("groups members by engine and layout", () => {
    const updater = new PopulationUpdater(population(), { stacking: true });
    expect(updater.groups).toEqual({ stacked: [[0, 1, 2, 4]], separate: [3, 5], gpu: [] });
    updater.dispose();
    expect(new PopulationUpdater(population()).groups).toEqual({ stacked: [], separate: [0, 1, 2, 3, 4, 5], gpu: [] });
  });

  it.each([true, false])("stacking %s: trains each member exactly as its own maybeUpdate: counts, RNG draws, losses and state", (stacking) => {
    const own = population();
    const pooled = population();
    const ownEnvs = own.map(() => new Env(3, 10));
    const pooledEnvs = pooled.map(() => new Env(3, 10));
    const updater = new PopulationUpdater(pooled, { stacking });
    let total = 0;
    for (let t = 0; t < 45; t++) {
      step(own, ownEnvs);
      step(pooled, pooledEnvs);
      // An exploit halfway: member 1 takes member 0's whole state (written into the stacked buffers).
      if (t === 25) {
        own[1].setState(own[0].getState());
        pooled[1].setState(pooled[0].getState());
      }
      const due = pooled.map((p) => p.pendingUpdates);
      // A deadline already passed: one update per member with any due (one round), as maybeUpdate.
      const deadline = t % 9 === 4 ? performance.now() - 1 : undefined;
      const expected = own.map((o) => o.maybeUpdate(deadline));
      const got = updater.update(deadline);
      expect(got, `step ${t}`).toEqual(expected);
      if (deadline === undefined) expect(got).toEqual(due);
      total += got.reduce((a, b) => a + b, 0);
    }
    expect(total).toBeGreaterThan(60);
    pooled.forEach((p, i) => {
      expect(p.updateStepCount, `member ${i}`).toBe(own[i].updateStepCount);
      expect(p.summary(), `member ${i}`).toEqual(own[i].summary());
    });
    // Still stacked: the state read goes through the stacked buffers.
    pooled.forEach((p, i) => expect(Buffer.from(p.serializeState(true)).equals(Buffer.from(own[i].serializeState(true))), `member ${i}`).toBe(true));
    updater.dispose();
    // Released: members act and update alone exactly as before.
    for (let t = 0; t < 5; t++) {
      step(own, ownEnvs);
      step(pooled, pooledEnvs);
      expect(pooled.map((p) => p.maybeUpdate())).toEqual(own.map((o) => o.maybeUpdate()));
    }
    pooled.forEach((p, i) => expect(Buffer.from(p.serializeState(true)).equals(Buffer.from(own[i].serializeState(true))), `member ${i} after dispose`).toBe(true));
  });

  it("updatePopulation: one call stacks, updates and releases", () => {
    const own = population();
    const pooled = population();
    const envs = [own.map(() => new Env(3, 10)), pooled.map(() => new Env(3, 10))];
    for (let t = 0; t < 30; t++) {
      step(own, envs[0]);
      step(pooled, envs[1]);
    }
    expect(updatePopulation(pooled, undefined, { stacking: true })).toEqual(own.map((o) => o.maybeUpdate()));
    pooled.forEach((p, i) => expect(Buffer.from(p.serializeState(true)).equals(Buffer.from(own[i].serializeState(true))), `member ${i}`).toBe(true));
  });

  it("refuses a second begin before complete, and a complete without begin", () => {
    const [t] = population();
    const env = new Env(3, 10);
    for (let i = 0; i < 10; i++) step([t], [env]);
    expect(() => t.completeUpdate({ q1Loss: 0, q2Loss: 0, policyLoss: 0, entropy: 0, learningRate: 0, continuousEntropyCoeff: null, discreteEntropyCoeff: null, discreteAlphas: [] })).toThrow(/without beginDueUpdate/);
    expect(t.beginDueUpdate()).not.toBeNull();
    expect(() => t.beginDueUpdate()).toThrow(/before completeUpdate/);
  });
});
