// A population's members in ONE GPU worker (gpu-population.ts), updated in rounds whose due updates
// go to the worker in one call and run there as stacked updates (PopulationUpdater), against the
// same members each in a GPU worker of its own (GpuWorkerSacModel, today's `--device gpu` member)
// updated by its own maybeUpdate: same seeds, same environment, so the same minibatches. Members
// differ in learning rate, tau, gamma and initial entropy coefficient; member 2's minibatch size
// differs, so each round is a stack of members 0 and 1 plus member 2 alone. Halfway, member 1's
// engine takes member 0's engine state (an exploit's copy) through the proxies, which must copy it
// exactly, and the stack of both must take it up in the very next round (partial rounds are
// member-stacks.test.ts's; a whole exploit through the trainers is gpu-team-updates.test.ts's). On WebGPU the stack's products run in another summation order than a single
// member's, so weights agree within float rounding (the bound of batched-tape-sac.test.ts; ~1e-7
// seen on lavapipe after ~25 updates per member), far below what the updates moved them (> 0.5).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TrainerSettings } from "../../../src/config/trainer-settings.js";
import { initBackend } from "../../../src/trainers/backend.js";
import { GpuPopulationMember, GpuPopulationPool } from "../../../src/trainers/gpu/gpu-population.js";
import { GpuWorkerSacModel } from "../../../src/trainers/gpu/gpu-worker-sac-model.js";
import { PopulationUpdater } from "../../../src/trainers/sac/population-update.js";
import { createSacEngine, type SacModelOptions, type SacState } from "../../../src/trainers/sac/sac-model.js";
import { defaultSacDeps, SacTrainer } from "../../../src/trainers/sac/sac-trainer.js";
import { maxTensorDiff } from "../sac/batched-tape-fixtures.js";
import { Env, envSpec, settings } from "../sac/trainer-helpers.js";
import { webGpuForTests } from "./webgpu-for-tests.js";

const adapter = await webGpuForTests();

const STEPS = 14;
const EXPLOIT_AT = 10;
const WEIGHT_TOL = 3e-5;

const spec = envSpec(2);
const members: TrainerSettings[] = [
  settings({ learning_rate: 3e-4, init_entcoef: 0.5 }),
  settings({ learning_rate: 3e-3, tau: 0.02, init_entcoef: 0.2 }, { reward_signals: { extrinsic: { gamma: 0.9, strength: 1 } } }),
  settings({ learning_rate: 1e-3, tau: 0.05, batch_size: 8 }),
];

const live: SacTrainer[] = [];
beforeAll(async () => {
  await initBackend("wasm");
});
afterAll(() => live.splice(0).forEach((t) => t.dispose()));

function population(options: SacModelOptions): SacTrainer[] {
  return members.map((s, i) => {
    const t = new SacTrainer({ behaviorName: `m${i}`, spec, settings: s, seed: 21 + i, deps: { ...defaultSacDeps, createModel: (sp, st, sd) => createSacEngine(sp, st, sd, options) } });
    live.push(t);
    return t;
  });
}

const modelState = (t: SacTrainer): SacState => t.getState().model as SacState;

describe.skipIf(adapter === null)("a population in one GPU worker with stacked updates", () => {
  it("trains each member as its own GPU worker does, and copies a member's state exactly", { timeout: 600_000 }, async () => {
    const own = population({ engine: "gpu", allowSoftwareGpu: true });
    const pooled = population({ engine: "gpu", allowSoftwareGpu: true, gpuPopulations: new GpuPopulationPool(true) });
    expect(own.every((t) => t.updateModel instanceof GpuWorkerSacModel)).toBe(true);
    const engines = pooled.map((t) => t.updateModel);
    expect(engines.every((e) => e instanceof GpuPopulationMember)).toBe(true);
    const population0 = (engines[0] as GpuPopulationMember).population;
    expect(engines.every((e) => (e as GpuPopulationMember).population === population0)).toBe(true);
    const init = pooled.map(modelState);

    const updater = new PopulationUpdater(pooled);
    expect(updater.groups).toEqual({ stacked: [], separate: [], gpu: [[0, 1, 2]] });
    const envs = [own.map(() => new Env(3, 5)), pooled.map(() => new Env(3, 5))];
    let updates = 0;
    for (let t = 0; t < STEPS; t++) {
      // The calls block this thread (Atomics.wait): yield between steps so that vitest's own messages get through.
      await new Promise<void>((resolve) => setImmediate(resolve));
      [own, pooled].forEach((team, j) =>
        team.forEach((m, i) => {
          const { decision, terminal } = envs[j]![i]!.next();
          m.observe(decision, terminal);
          m.act(decision);
        }),
      );
      if (t === EXPLOIT_AT) {
        expect(population0.counts().stackedCalls, "stacked updates before the copy").toBeGreaterThan(3);
        // The engines' states (the trainers' schedules stay as they are, so both members are due next round).
        own[1]!.updateModel.setState(own[0]!.updateModel.getState());
        const source = engines[0]!.getState() as SacState;
        engines[1]!.setState(source);
        const copy = engines[1]!.getState() as SacState;
        expect(maxTensorDiff(source, copy).diff).toBe(0);
        expect(copy).toEqual(source);
        expect(maxTensorDiff(source, modelState(pooled[2]!)).diff).toBeGreaterThan(0.01);
      }
      const expected = own.map((m) => m.maybeUpdate());
      expect(updater.update(), `step ${t}`).toEqual(expected);
      updates += expected.reduce((a, b) => a + b, 0);
    }
    expect(updates).toBeGreaterThan(40);
    const counts = population0.counts();
    // Members 0 and 1 in one stack (built once, before the copy), member 2 alone; the copy made the stack reload, once.
    expect(counts.stackedMemberUpdates).toBe(2 * counts.stackedCalls);
    expect(counts.stackedMemberUpdates + counts.loneUpdates).toBe(updates);
    expect(counts.stackedCalls).toBeGreaterThan(10);
    expect(counts.loneUpdates).toBeGreaterThan(10);
    expect(counts.stacksBuilt).toBe(1);
    expect(counts.reloads).toBe(1);

    pooled.forEach((m, i) => {
      const got = modelState(m);
      const ref = modelState(own[i]!);
      expect(got.updates, `member ${i}`).toBe(ref.updates);
      expect(got.adamSteps).toEqual(ref.adamSteps);
      const worst = maxTensorDiff(ref, got);
      expect(worst.diff, `member ${i}: largest weight difference at ${worst.key}`).toBeLessThan(WEIGHT_TOL);
      expect(maxTensorDiff(init[i]!, got).diff, `member ${i} moved`).toBeGreaterThan(20 * WEIGHT_TOL);
      const [a, b] = [m.summary(), own[i]!.summary()];
      for (const key of ["Losses/Q1 Loss", "Losses/Policy Loss", "Policy/Learning Rate"]) {
        const x = a.values[key];
        const y = b.values[key];
        expect(x, `${key} of member ${i}`).toBeDefined();
        expect(Math.abs(x! - y!) / Math.max(1, Math.abs(y!)), `${key} of member ${i}`).toBeLessThan(1e-3);
      }
    });
    updater.dispose();
    pooled.forEach((t) => t.dispose());
    own.forEach((t) => t.dispose());
    live.splice(0);
  });
});
