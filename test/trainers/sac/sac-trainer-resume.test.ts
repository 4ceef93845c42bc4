// --resume with an edited configuration, on the real engines (fast and tape): every hyperparameter
// comes from the configuration and the next update uses it. Each check recomputes what the update
// must produce independently: the Bellman target and critic loss on a hand-set network (zero
// weights: Q = head bias, uniform policy) over the minibatch the trainer's RNG draws, Polyak with
// the new tau, the entropy-coefficient Adam step, and ML-Agents' update schedule.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { TrainerSettings } from "../../../src/config/trainer-settings.js";
import { initBackend } from "../../../src/trainers/backend.js";
import { Rng } from "../../../src/trainers/common/rng.js";
import { HyperparameterError } from "../../../src/trainers/hyperparameters.js";
import { createSacEngine } from "../../../src/trainers/sac/sac-model.js";
import type { SacState } from "../../../src/trainers/sac/sac-state.js";
import { SacTrainer, defaultSacDeps, linearLearningRate, type SacTrainerState } from "../../../src/trainers/sac/sac-trainer.js";
import { Env, envSpec, settings } from "./trainer-helpers.js";

beforeAll(async () => {
  await initBackend("wasm");
});

const spec = envSpec(0);
const Q1 = [1, 2, 3];
const Q2 = [1.5, 1, 4];
const T1 = [0.5, 2, 1];
const T2 = [1, 3, 0];

const live: SacTrainer[] = [];
afterEach(() => live.splice(0).forEach((t) => t.dispose()));

function tiny(h: Partial<TrainerSettings["hyperparameters"]> = {}, gamma = 0.99): TrainerSettings {
  const base = settings({ batch_size: 8, steps_per_update: 1, save_replay_buffer: true, learning_rate: 1e-3, ...h });
  return { ...base, reward_signals: { extrinsic: { gamma, strength: 1 } }, network_settings: { ...base.network_settings, hidden_units: 8, num_layers: 1, normalize: false } };
}

function trainer(s: TrainerSettings, seed: number, engine: "fast" | "tape"): SacTrainer {
  const t = new SacTrainer({ behaviorName: "Ball", spec, settings: s, seed, deps: { ...defaultSacDeps, createModel: (sp, st, sd) => createSacEngine(sp, st, sd, { engine }) } });
  live.push(t);
  return t;
}

function drive(t: SacTrainer, env: Env, deadline?: number): number {
  const { decision, terminal } = env.next();
  t.observe(decision, terminal);
  t.act(decision);
  return t.maybeUpdate(deadline);
}

const model = (s: SacTrainerState): SacState => s.model as SacState;

/** Zero weights, critic and target head biases set: Q_g(s, a) = bias, pi uniform over unmasked actions. */
function handSet(t: SacTrainer): void {
  const st = t.getState();
  for (const [k, v] of Object.entries(model(st).tensors)) {
    if (k === "critic/head/b") v.data.set([...Q1, ...Q2]);
    else if (k === "target/head/b") v.data.set([...T1, ...T2]);
    else if (!k.startsWith("adam/")) v.data.fill(0);
  }
  t.setState(st);
}

/** Trainer A (config `before`) trains and saves; trainer B (config `after`) resumes from the bytes. */
function resume(engine: "fast" | "tape", before: TrainerSettings, after: TrainerSettings, env = new Env(2, 6)): SacTrainer {
  const a = trainer(before, 1, engine);
  let updates = 0;
  for (let i = 0; i < 30; i++) updates += drive(a, env);
  expect(updates).toBeGreaterThan(0);
  handSet(a);
  const b = trainer(after, 2, engine);
  b.loadSerializedState(a.serializeState());
  return b;
}

/** The critic-1 loss the next update must report, computed from the state it starts from. */
function expectedQ1Loss(st: SacTrainerState, gamma: number, batchSize: number): number {
  const buf = st.buffer!;
  const size = buf.full ? buf.capacity : buf.pos;
  const rng = new Rng(st.rng);
  const alpha = Math.exp(model(st).alpha.logAlphas[0]);
  let loss = 0;
  for (let r = 0; r < batchSize; r++) {
    const i = Math.min(size - 1, Math.floor(rng.next() * size));
    const allowed = [0, 1, 2].filter((j) => buf.nextActionMasks[i * 3 + j] === 0);
    const p = 1 / allowed.length;
    const vNext = allowed.reduce((v, j) => v + p * (Math.min(T1[j], T2[j]) - alpha * Math.log(p)), 0);
    const y = buf.rewards[i] + gamma * (1 - buf.dones[i]) * vNext;
    loss += 0.5 * (Q1[buf.discreteActions[i]] - y) ** 2;
  }
  return loss / batchSize;
}

/** log alpha after one Adam step (torch.optim.Adam) on dL/dlog alpha = entropy - target, from the state's moments. */
function expectedLogAlpha(st: SacTrainerState, lr: number, entropy: number, target: number): number {
  const a = model(st).alpha;
  const g = entropy - target;
  const t = a.step + 1;
  const m = 0.9 * a.m[0] + 0.1 * g;
  const v = 0.999 * a.v[0] + 0.001 * g * g;
  return a.logAlphas[0] - ((lr / (1 - 0.9 ** t)) * m) / (Math.sqrt(v) / Math.sqrt(1 - 0.999 ** t) + 1e-8);
}

/** Observed steps until an update is due, then exactly one update (a deadline already passed); returns the states around it. */
function oneUpdate(b: SacTrainer, env: Env): { before: SacTrainerState; after: SacTrainerState; q1Loss: number } {
  for (let i = 0; i < 3 && b.pendingUpdates === 0; i++) {
    const { decision, terminal } = env.next(); // the first step after a resume only starts experiences
    b.observe(decision, terminal);
    b.act(decision);
  }
  b.summary(); // drains the statistics
  const before = b.getState();
  expect(b.maybeUpdate(0)).toBe(1);
  return { before, after: b.getState(), q1Loss: b.summary().values["Losses/Q1 Loss"]! };
}

describe.each(["fast", "tape"] as const)("--resume with an edited configuration (%s engine)", (engine) => {
  it("gamma, batch_size, learning_rate and tau of the configuration are what the next update uses", () => {
    const old = tiny({ batch_size: 8, learning_rate: 1e-3, tau: 0.005 }, 0.9);
    const edited = tiny({ batch_size: 16, learning_rate: 0.02, tau: 0.3 }, 0.5);
    const env = new Env(2, 6);
    const b = resume(engine, old, edited, env);
    expect(b.hyperparameters()).toMatchObject({ gamma: 0.5, batch_size: 16, learning_rate: 0.02, tau: 0.3 });
    const { before, after, q1Loss } = oneUpdate(b, env);
    // gamma and batch_size: the Bellman target over the minibatch the trainer's RNG draws.
    expect(q1Loss).toBeCloseTo(expectedQ1Loss(before, 0.5, 16), 5);
    expect(Math.abs(expectedQ1Loss(before, 0.9, 16) - q1Loss)).toBeGreaterThan(1e-3);
    expect(Math.abs(expectedQ1Loss(before, 0.5, 8) - q1Loss)).toBeGreaterThan(1e-3);
    // learning_rate: the entropy-coefficient step (uniform policy over 3 actions: entropy ln 3).
    const target = 0.2 * Math.log(3);
    expect(model(after).alpha.logAlphas[0]).toBeCloseTo(expectedLogAlpha(before, 0.02, Math.log(3), target), 5);
    // tau: target' = tau critic' + (1 - tau) target.
    const ta = model(after).tensors;
    const tb = model(before).tensors;
    let checked = 0;
    for (const key of Object.keys(ta).filter((k) => k.startsWith("target/"))) {
      const critic = ta[key.replace("target/", "critic/")].data;
      ta[key].data.forEach((v, i) => expect(v).toBeCloseTo(0.3 * critic[i] + 0.7 * tb[key].data[i], 6));
      checked++;
    }
    expect(checked).toBe(4);
    expect(ta["target/head/b"].data).not.toEqual(tb["target/head/b"].data);
  });

  it("learning_rate_schedule constant -> linear: the next update's rate is ML-Agents' decay at the current step", () => {
    const env = new Env(2, 6);
    const linear = { ...tiny({ learning_rate: 0.01, learning_rate_schedule: "linear" }), max_steps: 400 };
    const b = resume(engine, tiny({ learning_rate: 0.01 }), linear, env);
    const { before, after } = oneUpdate(b, env);
    const lr = linearLearningRate(0.01, b.stepCount, 400);
    expect(lr).toBeLessThan(0.01 * 0.9); // far enough from the constant rate to tell them apart
    expect(model(after).alpha.logAlphas[0]).toBeCloseTo(expectedLogAlpha(before, lr, Math.log(3), 0.2 * Math.log(3)), 6);
    expect(Math.abs(expectedLogAlpha(before, 0.01, Math.log(3), 0.2 * Math.log(3)) - model(after).alpha.logAlphas[0])).toBeGreaterThan(1e-4);
  });

  it("the target entropy: the configuration's (scale 1) after a resume, a new scale from the next update on", () => {
    const env = new Env(2, 6);
    const a = trainer(tiny(), 1, engine);
    a.setHyperparameters({ target_entropy_scale: 10 });
    for (let i = 0; i < 20; i++) drive(a, env);
    handSet(a);
    const b = trainer(tiny(), 2, engine);
    b.loadSerializedState(a.serializeState());
    expect(b.hyperparameters().target_entropy_scale).toBe(1);
    let u = oneUpdate(b, env);
    expect(model(u.after).alpha.logAlphas[0]).toBeCloseTo(expectedLogAlpha(u.before, 1e-3, Math.log(3), 0.2 * Math.log(3)), 5);
    b.setHyperparameters({ target_entropy_scale: 10 });
    u = oneUpdate(b, env);
    expect(model(u.after).alpha.logAlphas[0]).toBeCloseTo(expectedLogAlpha(u.before, 1e-3, Math.log(3), 2 * Math.log(3)), 5);
    expect(model(u.after).alpha.logAlphas[0]).toBeGreaterThan(model(u.before).alpha.logAlphas[0]); // entropy below target: alpha rises
  });

  it("steps_per_update 1 -> 4: the counter is re-derived from the step count, updates continue at the new rate", () => {
    const env = new Env(2, 6);
    const b = resume(engine, tiny({ steps_per_update: 1 }), tiny({ steps_per_update: 4 }), env);
    // Independent reference: ML-Agents' loop from the re-derived counter.
    let step = b.stepCount;
    let updateSteps = Math.max(1, Math.floor(step / 4));
    expect(b.updateStepCount).toBe(updateSteps);
    const counts: number[] = [];
    const want: number[] = [];
    for (let i = 0; i < 40; i++) {
      const s0 = b.stepCount;
      counts.push(drive(b, env));
      step += b.stepCount - s0;
      let n = 0;
      while (step / updateSteps > 4) {
        updateSteps++;
        n++;
      }
      want.push(n);
    }
    expect(counts).toEqual(want);
    expect(counts.reduce((x, y) => x + y, 0)).toBe(20); // 80 new steps / 4
    expect(counts.slice(0, 4).reduce((x, y) => x + y, 0)).toBeGreaterThan(0); // no pause
  });

  it("buffer_init_steps raised above the step count: no update until it is reached, then the schedule", () => {
    const env = new Env(2, 6);
    const b = resume(engine, tiny(), tiny({ buffer_init_steps: 100 }), env);
    expect(b.stepCount).toBeLessThan(100);
    let updates = 0;
    while (b.stepCount < 100) updates += drive(b, env);
    expect(updates).toBe(0);
    for (let i = 0; i < 10; i++) updates += drive(b, env);
    expect(updates).toBe(b.stepCount - 100 - 1); // (step - init) / update_steps > 1 from update_steps = 1
  });

  it("init_entcoef: sets alpha before the first update; after it, alpha is the learned value and stays", () => {
    const fresh = trainer(tiny({ init_entcoef: 1 }), 1, engine);
    fresh.setHyperparameters({ init_entcoef: 0.3 });
    expect(Math.exp(model(fresh.getState()).alpha.logAlphas[0])).toBeCloseTo(0.3, 12);
    const env = new Env(2, 6);
    const a = trainer(tiny({ init_entcoef: 0.5 }), 1, engine);
    for (let i = 0; i < 20; i++) drive(a, env);
    const learned = model(a.getState()).alpha.logAlphas[0];
    const b = trainer(tiny({ init_entcoef: 0.05 }), 2, engine);
    b.loadSerializedState(a.serializeState());
    expect(b.hyperparameters().init_entcoef).toBe(0.05);
    expect(model(b.getState()).alpha.logAlphas[0]).toBe(learned);
  });
});

describe("setHyperparameters validates", () => {
  it("ranges, unknown keys and fixed settings get one clear error naming the key", () => {
    const t = trainer(tiny(), 1, "tape");
    expect(() => t.setHyperparameters({ tau: 0 })).toThrow(HyperparameterError);
    expect(() => t.setHyperparameters({ tau: 1.5 })).toThrow("hyperparameters.tau: expected a number in (0, 1], got 1.5");
    expect(() => t.setHyperparameters({ batch_size: 2.5 })).toThrow("hyperparameters.batch_size: expected an integer >= 1, got 2.5");
    expect(() => t.setHyperparameters({ batch_size: 6000 })).toThrow("hyperparameters.batch_size: 6000 exceeds the replay capacity 5000 (buffer_size)");
    expect(() => t.setHyperparameters({ hidden_units: 64 } as never)).toThrow(/hyperparameters.hidden_units: cannot change during training: network size is fixed/);
    expect(() => t.setHyperparameters({ learning_rate_schedule: "cosine" } as never)).toThrow(/expected one of constant, linear/);
    expect(t.hyperparameters().tau).toBe(0.005); // nothing applied on error
  });
});
