import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import type { TrainerSettings } from "../../../src/config/trainer-settings.js";
import type { ActorSnapshot } from "../../../src/trainers/common/actor-snapshot.js";
import type { TransitionBatch } from "../../../src/trainers/common/transition.js";
import type { EngineHyperparameters } from "../../../src/trainers/sac/sac-engine.js";
import { createMemoryLogger } from "../../../src/util/logger.js";
import { Env, envSpec, settings } from "./trainer-helpers.js";
import { StatsAggregationMethod } from "../../../src/trainers/stats/trainer-summary.js";

import {
  SacTrainer,
  SacTrainerStateError,
  linearLearningRate,
  type SacModelLike,
  type SacTrainerDeps,
} from "../../../src/trainers/sac/sac-trainer.js";

// Most tests use a fake model (counts calls, deterministic "weights") to check the schedule and
// the state plumbing exactly; the last group runs the real SacModel with a tiny network.
beforeAll(async () => {
  await tf.setBackend("cpu");
});

const OBS = 3;
const spec = envSpec(2);

class FakeModel implements SacModelLike {
  weight: number;
  updates = 0;
  lrs: number[] = [];
  normalized = 0;
  lastRewards: number[] = [];
  disposed = false;
  constructor(seed: number) {
    this.weight = seed;
  }
  act(obs: readonly Float32Array[], n: number, _m: readonly Uint8Array[] | null, det: boolean) {
    const continuous = new Float32Array(n * 2);
    const discrete = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      continuous[2 * i] = Math.tanh(obs[0]![i * OBS]! * this.weight);
      continuous[2 * i + 1] = det ? 0 : 0.5;
      discrete[i] = Math.abs(Math.floor(this.weight * 1000)) % 3;
    }
    return { continuous, discrete };
  }
  updateNormalizer(obs: readonly Float32Array[], n: number): void {
    expect(obs[0]!.length).toBe(n * OBS);
    this.normalized += n;
  }
  update(batch: TransitionBatch) {
    this.updates++;
    this.lastRewards = Array.from(batch.rewards);
    // weights depend on the sampled minibatch: identical trajectories need identical sampling
    for (let i = 0; i < batch.length; i++) this.weight += 1e-4 * batch.obs[0]![i * OBS]! + 1e-5 * batch.rewards[i]!;
    return { q1Loss: this.updates, q2Loss: 2, policyLoss: -1, entropy: 0.5, learningRate: this.lrs.at(-1) ?? 0, continuousEntropyCoeff: 0.1, discreteEntropyCoeff: null, discreteAlphas: [] };
  }
  setHyperparameters(h: Partial<EngineHyperparameters>): void {
    if (h.learningRate !== undefined) this.lrs.push(h.learningRate);
  }
  getState() {
    return { weight: this.weight, updates: this.updates };
  }
  setState(s: unknown): void {
    const st = s as { weight: number; updates: number };
    this.weight = st.weight;
    this.updates = st.updates;
  }
  snapshot(): ActorSnapshot {
    return { encoders: [], body: [], continuous: null, discrete: null };
  }
  dispose(): void {
    this.disposed = true;
  }
}

const deps: SacTrainerDeps = {
  createModel: (_spec, _settings, seed) => new FakeModel(seed),
  serializeModelState: (s) => new TextEncoder().encode(JSON.stringify(s)),
  deserializeModelState: (b) => JSON.parse(new TextDecoder().decode(b)),
  takeWeights: (own, source) => ({ ...(own as object), weight: (source as { weight: number }).weight }),
};

type Trainer = SacTrainer;

function make(s: TrainerSettings, seed = 1): { trainer: Trainer; model: () => FakeModel } {
  let model: FakeModel | undefined;
  const trainer = new SacTrainer({
    behaviorName: "Ball",
    spec,
    settings: s,
    seed,
    deps: { ...deps, createModel: (_a, _b, sd) => (model = new FakeModel(sd)) },
  });
  return { trainer, model: () => model! };
}

/** One env step through the trainer; returns updates done. */
function drive(trainer: Trainer, env: Env): number {
  const { decision, terminal } = env.next();
  trainer.observe(decision, terminal);
  trainer.act(decision);
  return trainer.maybeUpdate();
}

/** ML-Agents' rule, written independently: per advance, the number of updates. */
function referenceSchedule(
  stepIncrements: number[],
  batchSize: number,
  init: number,
  spu: number,
  start = { step: 0, updateSteps: 1, buffer: 0 },
): number[] {
  let { step, updateSteps, buffer } = start;
  return stepIncrements.map((k) => {
    step += k;
    buffer += k;
    let n = 0;
    if (buffer >= batchSize && step >= init) {
      while ((step - init) / updateSteps > spu) {
        updateSteps++;
        n++;
      }
    }
    return n;
  });
}

describe("SacTrainer update schedule", () => {
  for (const [spu, init, agents] of [
    [1, 0, 1],
    [10, 0, 4],
    [0.5, 0, 3],
    [2.5, 40, 2],
    [1, 100, 5],
    [7, 13, 8],
  ] as const) {
    it(`matches ML-Agents for steps_per_update=${spu}, buffer_init_steps=${init}, ${agents} agents`, () => {
      const { trainer, model } = make(settings({ steps_per_update: spu, buffer_init_steps: init }));
      const env = new Env(agents, 9);
      const increments: number[] = [];
      const counts: number[] = [];
      for (let i = 0; i < 120; i++) {
        const before = trainer.stepCount;
        counts.push(drive(trainer, env));
        increments.push(trainer.stepCount - before);
      }
      expect(counts).toEqual(referenceSchedule(increments, 16, init, spu));
      expect(model().updates).toBe(counts.reduce((a, b) => a + b, 0));
      expect(trainer.updateStepCount).toBe(model().updates + 1);
      expect(trainer.stepCount).toBe(119 * agents); // one experience per agent per step after the first
    });
  }

  it("pendingUpdates is always what maybeUpdate() then does (float ratios included)", () => {
    for (const [spu, init] of [[0.1, 0], [0.3, 7], [1, 0], [2.5, 40], [3, 3]] as const) {
      const { trainer } = make(settings({ steps_per_update: spu, buffer_init_steps: init }));
      const env = new Env(3, 9);
      let total = 0;
      for (let i = 0; i < 60; i++) {
        const { decision, terminal } = env.next();
        trainer.observe(decision, terminal);
        trainer.act(decision);
        const due = trainer.pendingUpdates;
        const done = trainer.maybeUpdate();
        expect(done).toBe(due);
        expect(trainer.pendingUpdates).toBe(0);
        total += done;
      }
      expect(total).toBeGreaterThan(0);
    }
  });

  it("no updates before the buffer holds batch_size experiences", () => {
    const { trainer, model } = make(settings({ batch_size: 50 }));
    const env = new Env(2, 1000);
    for (let i = 0; i < 25; i++) drive(trainer, env);
    expect(trainer.bufferSize).toBe(48);
    expect(model().updates).toBe(0);
    drive(trainer, env);
    expect(model().updates).toBeGreaterThan(0);
  });
});

describe("SacTrainer.maybeUpdate(deadline)", () => {
  /** A fake model whose every update takes 10 ms of a controlled clock. */
  function timed(): { trainer: Trainer; clock: { now: number } } {
    const clock = { now: 1000 };
    vi.spyOn(performance, "now").mockImplementation(() => clock.now);
    const trainer = new SacTrainer({
      behaviorName: "Ball",
      spec,
      settings: settings({ steps_per_update: 0.25, batch_size: 16 }),
      seed: 1,
      deps: {
        ...deps,
        createModel: (_a, _b, sd) => {
          const m = new FakeModel(sd);
          const update = m.update.bind(m);
          m.update = (b) => {
            clock.now += 10;
            return update(b);
          };
          return m;
        },
      },
    });
    return { trainer, clock };
  }
  afterEach(() => vi.restoreAllMocks());

  it("stops once performance.now() passes the deadline; what is left stays due for the next call", () => {
    const { trainer, clock } = timed();
    const env = new Env(4, 1000);
    for (let i = 0; i < 6; i++) {
      const { decision, terminal } = env.next();
      trainer.observe(decision, terminal);
      trainer.act(decision);
    }
    const due = trainer.pendingUpdates;
    expect(due).toBe(Math.ceil(trainer.stepCount / 0.25) - 1); // 20 steps / 0.25 - update_steps 1
    // updates at t = 0, 10, 20, 30 ms pass the check (now <= deadline); after the 4th, now = 40 > 35
    expect(trainer.maybeUpdate(clock.now + 35)).toBe(4);
    expect(trainer.pendingUpdates).toBe(due - 4);
    expect(trainer.maybeUpdate(clock.now - 1)).toBe(1); // a deadline already passed: one update, progress guaranteed
    expect(trainer.maybeUpdate()).toBe(due - 5); // no deadline: all the rest
    expect(trainer.pendingUpdates).toBe(0);
    expect(trainer.maybeUpdate(clock.now + 1000)).toBe(0);
  });

  it("with deadlines the same updates happen as without, only spread over calls", () => {
    const split = timed();
    const whole = make(settings({ steps_per_update: 0.25, batch_size: 16 }));
    const envA = new Env(4, 9);
    const envB = new Env(4, 9);
    let a = 0;
    let b = 0;
    for (let i = 0; i < 30; i++) {
      for (const [t, e] of [[split.trainer, envA], [whole.trainer, envB]] as const) {
        const { decision, terminal } = e.next();
        t.observe(decision, terminal);
        t.act(decision);
      }
      a += split.trainer.maybeUpdate(split.clock.now + 25); // at most 3 per call
      b += whole.trainer.maybeUpdate();
    }
    expect(b).toBeGreaterThan(a); // the split one is behind...
    while (split.trainer.pendingUpdates > 0) a += split.trainer.maybeUpdate(split.clock.now + 25);
    expect(a).toBe(b); // ...and catches up exactly
    expect(split.trainer.updateStepCount).toBe(whole.trainer.updateStepCount);
  });
});

describe("SacTrainer resume and state copies", () => {
  it("resume re-derives the update counter from the step count (ML-Agents); the schedule continues, no burst", () => {
    const s = settings({ steps_per_update: 2, save_replay_buffer: true });
    const a = make(s);
    const env = new Env(3, 7);
    for (let i = 0; i < 60; i++) drive(a.trainer, env);
    const bytes = a.trainer.serializeState();
    const b = make(s, 99);
    b.trainer.loadSerializedState(bytes);
    expect(b.trainer.stepCount).toBe(a.trainer.stepCount);
    expect(b.trainer.updateStepCount).toBe(Math.floor(b.trainer.stepCount / 2)); // ML-Agents add_policy: int(max(1, step / spu))
    expect(Math.abs(b.trainer.updateStepCount - a.trainer.updateStepCount)).toBeLessThanOrEqual(1);
    const envB = new Env(3, 7);
    envB.t = env.t;
    const resumed = { step: b.trainer.stepCount, updateSteps: b.trainer.updateStepCount, buffer: b.trainer.bufferSize };
    const incrementsB: number[] = [];
    const countsB: number[] = [];
    for (let i = 0; i < 30; i++) {
      const before = b.trainer.stepCount;
      countsB.push(drive(b.trainer, envB));
      incrementsB.push(b.trainer.stepCount - before);
    }
    // B lost the agents' half-made experiences (a fresh process), so it runs one step behind A;
    // from its restored counters it follows ML-Agents' rule exactly, about 3/2 updates per step.
    expect(countsB).toEqual(referenceSchedule(incrementsB, 16, 0, 2, resumed));
    expect(Math.max(...countsB)).toBeLessThanOrEqual(2);
  });

  it("a state whose update counter lags (lost or legacy) is resynchronised: no burst", () => {
    const s = settings({ steps_per_update: 1 });
    const a = make(s);
    const env = new Env(4, 10);
    for (let i = 0; i < 200; i++) drive(a.trainer, env);
    const state = { ...a.trainer.getState(), updateSteps: 1 };
    const b = make(s);
    b.trainer.setState(state);
    let max = 0;
    for (let i = 0; i < 20; i++) max = Math.max(max, drive(b.trainer, env));
    expect(max).toBeLessThanOrEqual(5); // 4 new experiences per step -> about 4 updates, not ~800
  });

  it("a changed steps_per_update re-derives the counter from the step count: the new rate starts at once", () => {
    const s = settings({ steps_per_update: 10, batch_size: 16 });
    const { trainer } = make(s);
    const env = new Env(4, 10);
    for (let i = 0; i < 200; i++) drive(trainer, env);
    trainer.setHyperparameters({ steps_per_update: 0.5 });
    expect(trainer.updateStepCount).toBe(Math.floor(trainer.stepCount / 0.5));
    const counts: number[] = [];
    for (let i = 0; i < 40; i++) counts.push(drive(trainer, env));
    expect(counts.every((c) => c === 8)).toBe(true); // 4 new experiences per step / 0.5
    trainer.setHyperparameters({ steps_per_update: 4 });
    const slower: number[] = [];
    for (let i = 0; i < 40; i++) slower.push(drive(trainer, env));
    expect(slower.reduce((a, b) => a + b, 0)).toBe(40); // 160 experiences / 4, no pause
  });

  it("a copied state gives identical actions and identical training afterwards", () => {
    const s = settings({ steps_per_update: 1 });
    const a = make(s, 5);
    const env = new Env(3, 6);
    for (let i = 0; i < 50; i++) drive(a.trainer, env);
    const b = make(s, 77);
    b.trainer.setState(a.trainer.getState());
    // Pending experiences belong to the agents of A's environment, not to the state: start both
    // from an episode boundary so they see the same data.
    a.trainer.discardPending();
    const envB = new Env(3, 6);
    envB.t = env.t;
    for (let i = 0; i < 30; i++) {
      const x = env.next();
      const y = envB.next();
      a.trainer.observe(x.decision, x.terminal);
      b.trainer.observe(y.decision, y.terminal);
      const actA = a.trainer.act(x.decision);
      const actB = b.trainer.act(y.decision);
      expect(Array.from(actB.continuous)).toEqual(Array.from(actA.continuous));
      expect(Array.from(actB.discrete)).toEqual(Array.from(actA.discrete));
      expect(b.trainer.maybeUpdate()).toBe(a.trainer.maybeUpdate());
    }
    expect(b.model().weight).toBe(a.model().weight);
    expect(b.model().weight).not.toBe(5); // training moved it
  });

  it("getState is a copy: training the source afterwards does not change it", () => {
    const a = make(settings());
    const env = new Env(2, 5);
    for (let i = 0; i < 30; i++) drive(a.trainer, env);
    const st = a.trainer.getState();
    const rewards = Float32Array.from(st.buffer!.rewards);
    for (let i = 0; i < 30; i++) drive(a.trainer, env);
    expect(Array.from(st.buffer!.rewards)).toEqual(Array.from(rewards));
  });

  it("the replay buffer goes to disk only with save_replay_buffer", () => {
    const env = new Env(2, 5);
    const a = make(settings({ save_replay_buffer: false }));
    for (let i = 0; i < 30; i++) drive(a.trainer, env);
    const small = a.trainer.serializeState();
    const big = a.trainer.serializeState(true);
    expect(big.length - small.length).toBeGreaterThan(5000 * 4 * OBS * 2);
    const b = make(settings());
    b.trainer.loadSerializedState(small);
    expect(b.trainer.bufferSize).toBe(0);
    b.trainer.loadSerializedState(big);
    expect(b.trainer.bufferSize).toBe(a.trainer.bufferSize);
  });

  it("hyperparameters: in-memory copies take the state's, resume keeps the configuration's", () => {
    const a = make(settings({ learning_rate: 1e-3 }, { reward_signals: { extrinsic: { gamma: 0.99, strength: 3 } } }));
    const b = make(settings({ learning_rate: 5e-4 }));
    b.trainer.setState(a.trainer.getState());
    expect(b.trainer.hyperparameters().learning_rate).toBe(1e-3);
    expect(b.trainer.getState().rewardStrength).toBe(3);
    const c = make(settings({ learning_rate: 5e-4 }));
    c.trainer.loadSerializedState(a.trainer.serializeState());
    expect(c.trainer.hyperparameters().learning_rate).toBe(5e-4);
  });

  it("a state from before hyperparameters.ts (fixed settings among its hyperparameters) still copies", () => {
    const a = make(settings({ learning_rate: 1e-3 }));
    const st = a.trainer.getState();
    const legacy = { ...st, hyperparameters: { ...st.hyperparameters, buffer_size: 5000, save_replay_buffer: false, reward_signal_steps_per_update: 1 } };
    const b = make(settings({ learning_rate: 5e-4 }));
    b.trainer.setState(legacy);
    expect(b.trainer.hyperparameters()).toEqual(a.trainer.hyperparameters());
  });

  it("initializeWeightsFrom takes the weights only: steps, buffer and counters start fresh", () => {
    const a = make(settings(), 5);
    const env = new Env(2, 5);
    for (let i = 0; i < 40; i++) drive(a.trainer, env);
    const b = make(settings(), 9);
    b.trainer.initializeWeightsFrom(a.trainer);
    expect(b.model().weight).toBe(a.model().weight);
    expect(b.model().updates).toBe(0);
    expect(b.trainer.stepCount).toBe(0);
    expect(b.trainer.bufferSize).toBe(0);
    expect(b.trainer.updateStepCount).toBe(1);
  });

  it("rejects malformed states with a message naming the behavior and field", () => {
    const a = make(settings());
    const st = a.trainer.getState();
    expect(() => a.trainer.setState({ ...st, step: -3 })).toThrow(SacTrainerStateError);
    expect(() => a.trainer.setState({ ...st, kind: "ppo" as "sac" })).toThrow(/Ball.*kind/);
    expect(() => a.trainer.loadSerializedState(new Uint8Array([1, 2]))).toThrow();
  });

  it("two trainers in one process stay independent", () => {
    const s = settings({ steps_per_update: 1 });
    const solo = make(s, 3);
    const envSolo = new Env(2, 8);
    for (let i = 0; i < 60; i++) drive(solo.trainer, envSolo);

    const a = make(s, 3);
    const b = make(settings({ steps_per_update: 0.25, batch_size: 8 }), 4);
    const envA = new Env(2, 8);
    const envB = new Env(5, 3);
    for (let i = 0; i < 60; i++) {
      drive(b.trainer, envB);
      drive(a.trainer, envA);
    }
    expect(a.trainer.getState().step).toBe(solo.trainer.getState().step);
    expect(a.trainer.updateStepCount).toBe(solo.trainer.updateStepCount);
    expect(a.model().weight).toBe(solo.model().weight);
    expect(b.trainer.stepCount).not.toBe(a.trainer.stepCount);
  });
});

describe("SacTrainer data flow", () => {
  it("applies the extrinsic strength at sampling time", () => {
    const s = settings({ batch_size: 4 }, { reward_signals: { extrinsic: { gamma: 0.99, strength: 2 } } });
    const { trainer, model } = make(s);
    const env2 = new Env(3, 1000); // agent i earns 0.1 * i per step
    for (let i = 0; i < 10; i++) drive(trainer, env2);
    const stored = new Set(Array.from(trainer.getState().buffer!.rewards.subarray(0, trainer.bufferSize)).map((r) => Math.fround(r)));
    expect(stored).toEqual(new Set([0, Math.fround(0.1), Math.fround(0.2)]));
    for (const r of model().lastRewards) expect([0, 0.2, 0.4].some((x) => Math.abs(x - r) < 1e-6)).toBe(true);
    expect(model().lastRewards.some((r) => r > 0.3)).toBe(true);
  });

  it("updates the normalizer with every new experience only when normalize is on", () => {
    const on = make(settings({}, { network_settings: { ...settings().network_settings, normalize: true } }));
    const off = make(settings());
    const env = new Env(3, 5);
    const env2 = new Env(3, 5);
    for (let i = 0; i < 10; i++) {
      drive(on.trainer, env);
      drive(off.trainer, env2);
    }
    expect(on.model().normalized).toBe(on.trainer.stepCount);
    expect(off.model().normalized).toBe(0);
  });

  it("linear learning rate decays to 1e-10 at max_steps", () => {
    expect(linearLearningRate(3e-4, 0, 1000)).toBeCloseTo(3e-4, 12);
    expect(linearLearningRate(3e-4, 500, 1000)).toBeCloseTo(1.5e-4 + 0.5e-10, 12);
    expect(linearLearningRate(3e-4, 2000, 1000)).toBe(1e-10);
    const { trainer, model } = make(settings({ learning_rate_schedule: "linear" }, { max_steps: 400 }));
    const env = new Env(2, 9);
    for (let i = 0; i < 100; i++) drive(trainer, env);
    expect(model().lrs.at(-1)).toBeCloseTo(linearLearningRate(3e-4, trainer.stepCount, 400), 12);
  });

  it("stops updating at max_steps (isDone)", () => {
    const { trainer, model } = make(settings({}, { max_steps: 100 }));
    const env = new Env(2, 9);
    for (let i = 0; i < 60; i++) drive(trainer, env);
    expect(trainer.isDone).toBe(true);
    const n = model().updates;
    for (let i = 0; i < 10; i++) expect(drive(trainer, env)).toBe(0);
    expect(model().updates).toBe(n);
  });

  it("inference mode acts and counts steps but never stores or updates", () => {
    const model = new FakeModel(1);
    const t = new SacTrainer({ behaviorName: "Ball", spec, settings: settings(), seed: 1, training: false, deps: { ...deps, createModel: () => model } });
    const env = new Env(3, 4);
    for (let i = 0; i < 40; i++) drive(t, env);
    expect(t.bufferSize).toBe(0);
    expect(model.updates).toBe(0);
    expect(t.summary().isTraining).toBe(false);
  });

  it("summaries with episode stats, averaged losses and environment stats since the last one", () => {
    const { trainer } = make(settings({ batch_size: 8 }));
    const env = new Env(2, 5);
    const summaries = [];
    for (let i = 0; i < 60; i++) {
      drive(trainer, env);
      if (i === 10) trainer.addEnvironmentStat("Custom/Score", 3, StatsAggregationMethod.AVERAGE);
      if (i === 12) trainer.addEnvironmentStat("Custom/Score", 5, StatsAggregationMethod.AVERAGE);
      if (trainer.stepCount > 0 && trainer.stepCount % 50 === 0) summaries.push(trainer.summary());
    }
    expect(summaries.map((s) => s.step)).toEqual([50, 100]);
    const first = summaries[0]!;
    expect(first.isTraining).toBe(true);
    expect(first.episodes?.count).toBeGreaterThan(0);
    // agent 0 earns 0 per step and 1 at the end, agent 1 0.1 per step: every episode has 5 experiences
    expect(first.episodes?.meanLength).toBe(5);
    expect(first.values["Custom/Score"]).toBe(4);
    expect(first.values["Losses/Q2 Loss"]).toBe(2);
    expect(first.values["Losses/Q1 Loss"]).toBeGreaterThan(1); // mean of 1..n
    expect(first.values["Policy/Entropy"]).toBe(0.5);
    expect(first.values["Policy/Continuous Entropy Coeff"]).toBeCloseTo(0.1, 12);
    expect(first.values["Policy/Learning Rate"]).toBe(3e-4);
    expect(first.values["Policy/Discrete Entropy Coeff"]).toBeUndefined(); // null: no discrete actions reported
    expect(summaries[1]!.values["Custom/Score"]).toBeUndefined();
  });

  it("warns once about group rewards and ignores them", () => {
    const logger = createMemoryLogger();
    const t = new SacTrainer({ behaviorName: "Ball", spec, settings: settings(), seed: 1, deps, logger });
    const env = new Env(2, 5);
    for (let i = 0; i < 3; i++) {
      const { decision, terminal } = env.next();
      decision.groupReward[0] = 1;
      t.observe(decision, terminal);
      t.act(decision);
    }
    expect(logger.lines).toEqual([
      "[WARNING] An agent recieved a Group Reward, but you are not using a multi-agent trainer. Please use the POCA trainer for best results.",
    ]);
  });

  it("discardPending drops open episodes; dispose releases the model", () => {
    const { trainer, model } = make(settings());
    const env = new Env(2, 50);
    for (let i = 0; i < 5; i++) drive(trainer, env);
    const steps = trainer.stepCount;
    trainer.discardPending();
    const { decision, terminal } = env.next();
    trainer.observe(decision, terminal);
    expect(trainer.stepCount).toBe(steps);
    trainer.dispose();
    expect(model().disposed).toBe(true);
  });
});

describe("SacTrainer with the real SacModel (tiny network)", () => {
  const tiny = (): TrainerSettings =>
    settings({ batch_size: 8, steps_per_update: 4, save_replay_buffer: true }, { network_settings: { ...settings().network_settings, hidden_units: 8, num_layers: 1, normalize: true } });

  it("a copied state (in memory and through bytes) gives identical actions; trainers stay independent", () => {
    const a = new SacTrainer({ behaviorName: "Ball", spec, settings: tiny(), seed: 1 });
    const env = new Env(2, 6);
    let updates = 0;
    for (let i = 0; i < 30; i++) updates += drive(a, env);
    expect(updates).toBeGreaterThan(0);
    const b = new SacTrainer({ behaviorName: "Ball", spec, settings: tiny(), seed: 2 });
    const c = new SacTrainer({ behaviorName: "Ball", spec, settings: tiny(), seed: 3 });
    b.setState(a.getState());
    c.loadSerializedState(a.serializeState());
    const { decision } = new Env(2, 6).next();
    const det = (t: SacTrainer) => Array.from(t.act(decision, true).continuous);
    const stoch = (t: SacTrainer) => Array.from(t.act(decision, false).continuous);
    expect(det(b)).toEqual(det(a));
    expect(det(c)).toEqual(det(a));
    expect(stoch(b)).toEqual(stoch(a)); // the model's noise stream is part of the state
    // training b further does not move a
    const before = det(a);
    const envB = new Env(2, 6);
    for (let i = 0; i < 12; i++) drive(b, envB);
    expect(det(a)).toEqual(before);
    expect(det(b)).not.toEqual(before);
    for (const t of [a, b, c]) t.dispose();
  });

  it("initializeWeightsFrom copies the policy but not the counters", () => {
    const a = new SacTrainer({ behaviorName: "Ball", spec, settings: tiny(), seed: 1 });
    const env = new Env(2, 6);
    for (let i = 0; i < 20; i++) drive(a, env);
    const b = new SacTrainer({ behaviorName: "Ball", spec, settings: tiny(), seed: 9 });
    b.initializeWeightsFrom(a);
    const { decision } = new Env(2, 6).next();
    expect(Array.from(b.act(decision, true).continuous)).toEqual(Array.from(a.act(decision, true).continuous));
    expect(b.stepCount).toBe(0);
    expect(b.bufferSize).toBe(0);
    a.dispose();
    b.dispose();
  });
});
