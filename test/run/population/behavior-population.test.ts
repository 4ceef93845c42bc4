// Exploit correctness on the real SAC trainer, through the population's own loop: the exploiter's
// state after loading equals the source's recorded snapshot bit for bit (weights, optimizer,
// normalizer, buffer), not the source's newer state; and a snapshot read back from disk (a resumed
// run) loads the same state.
import { existsSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PbtSettings } from "../../../src/config/index.js";
import { BehaviorTeam } from "../../../src/run/behavior-team.js";
import { BehaviorPopulation, type PopulationStepContext } from "../../../src/run/population/behavior-population.js";
import { SnapshotStore } from "../../../src/run/population/snapshot-store.js";
import { memberPlace, memberStore, newMember } from "../../../src/run/team-member.js";
import { TrainingStatusFile } from "../../../src/trainers/checkpoint/training-status.js";
import { LineageLog, readLineageLog } from "../../../src/trainers/pbt/index.js";
import { SacTrainer } from "../../../src/trainers/sac/sac-trainer.js";
import { createMemoryLogger } from "../../../src/util/logger.js";
import { Env, settings } from "../../trainers/sac/trainer-helpers.js";
import { ensureBackend, removeDir, tempDir } from "../helpers.js";
import { RecordingStore, withoutHyperparameters } from "./snapshot-recording.js";
import { ActionSpec, DimensionProperty, ObservationType, type BehaviorSpec } from "../../../src/env/index.js";

const spec: BehaviorSpec = {
  observationSpecs: [{ name: "v", shape: [3], dimensionProperties: [DimensionProperty.NONE], observationType: ObservationType.DEFAULT }],
  actionSpec: new ActionSpec(2, [3]),
};
const pbt: PbtSettings = {
  population_size: 4,
  ready: 40,
  burn_in: 40,
  synchronous: false,
  quantile_fraction: 0.25,
  metric: "mean_reward",
  episodes: 5,
  keep_reference: false,
  relative_margin: 0,
  significance: 1,
  members_per_environment: 1,
  explore: [{ kind: "continuous", key: "learning_rate", integer: false, min: 1e-4, max: 1e-3, distribution: "log_uniform", perturb: [0.8, 1.2], resample_probability: 0.25, clip: [1e-4, 1e-3] }],
};
const base = settings({ batch_size: 8, steps_per_update: 2 });
const dirs: string[] = [];
beforeAll(() => ensureBackend());
afterAll(() => dirs.forEach(removeDir));

/** Member i's rewards are scaled by i + 1: member 3 scores best, member 0 worst. */
function scaled(env: Env, k: number): ReturnType<Env["next"]> {
  const { decision, terminal } = env.next();
  return { decision: { ...decision, reward: decision.reward.map((r) => r * k) }, terminal: { ...terminal, reward: terminal.reward.map((r) => r * k) } };
}

describe("BehaviorPopulation exploit on the real SAC trainer", () => {
  it("loads exactly the source's recorded snapshot, not its newer state, then explores; the lineage log gets the event", async () => {
    const runDir = tempDir("mlagents-ts-pbt-pop-");
    dirs.push(runDir);
    const logger = createMemoryLogger();
    const store = new RecordingStore(path.join(runDir, "pbt", "snapshots", "Ball"));
    const population = BehaviorPopulation.fresh("Ball", pbt, base, 11, store);
    const status = new TrainingStatusFile(runDir, "test");
    const members = [0, 1, 2, 3].map((i) => {
      const memberSettings = population.memberSettings(base, i);
      const trainer = population.track(new SacTrainer({ behaviorName: "Ball", spec, settings: memberSettings, seed: 20 + i }), i);
      const place = memberPlace(runDir, "Ball", i, 4);
      return newMember(place, trainer, memberStore(place, memberSettings, { runDir, logger, version: "test", status }), memberSettings);
    });
    const team = new BehaviorTeam("Ball", spec, base, members);
    const lineagePath = path.join(runDir, "lineage.jsonl");
    const ctx: PopulationStepContext = { logger, lineage: await LineageLog.open(lineagePath), save: () => Promise.resolve(), loggedExploits: new Set() };
    const envs = members.map(() => new Env(4, 5));
    try {
      for (let t = 0; t < 40 && store.loads.length === 0; t++) {
        members.forEach((m, i) => {
          const { decision, terminal } = scaled(envs[i]!, i + 1);
          m.trainer.observe(decision, terminal, 0);
          m.trainer.act(decision, false, 0);
          m.trainer.maybeUpdate();
        });
        await population.step(team, ctx);
      }
      // Asynchronous PBT: several bottom members may copy in the same round; the first load is checked.
      expect(store.loads.length).toBeGreaterThanOrEqual(1);
      const { id, into } = store.loads[0]!;
      const recorded = store.taken.get(id)!;
      const exploiter = members.find((m) => m.trainer === into)!;
      const source = members.find((m) => m.trainer === recorded.owner)!;
      expect(source.index).toBeGreaterThan(exploiter.index); // rewards scale with the index: the better member is the source
      const loaded = (exploiter.trainer as SacTrainer).getState();
      // Bit for bit: weights, optimizer moments, normalizer, entropy coefficients, replay buffer, step.
      // The model state also carries the hyperparameters, which explore has just changed: compared apart.
      expect(withoutHyperparameters(loaded.model)).toStrictEqual(withoutHyperparameters(recorded.state.model));
      expect(loaded.buffer).toStrictEqual(recorded.state.buffer);
      expect(loaded.step).toBe(recorded.state.step);
      // The source trained on after its snapshot: its newer state is not what was loaded.
      expect(source.trainer.stepCount).toBeGreaterThan(recorded.state.step);
      expect(withoutHyperparameters((source.trainer as SacTrainer).getState().model)).not.toStrictEqual(withoutHyperparameters(recorded.state.model));
      // Explore: the exploiter trains with the new hyperparameters, not the source's.
      const events = (await readLineageLog(lineagePath)).events;
      const exploit = events.find((e) => e.kind === "exploit")!;
      expect(events.filter((e) => e.kind === "init")).toHaveLength(4);
      expect(exploit).toMatchObject({ member: exploiter.index, source: source.index });
      expect(exploiter.trainer.hyperparameters().learning_rate).toBe(exploit.new.learning_rate);
      expect(population.coordinator.member(exploiter.index).hyperparameters).toEqual(exploit.new);
      // Once loaded, a snapshot is kept only while it is still some member's record (and its file with it).
      const stillRecorded = population.coordinator.members.some((m) => m.record?.snapshotId === id);
      expect(population.coordinator.retainedSnapshots().includes(id)).toBe(stillRecorded);
      expect(existsSync(store.file(id))).toBe(stillRecorded);
    } finally {
      members.forEach((m) => m.trainer.dispose());
    }
  }, 120_000);

  it("a snapshot read back from disk (after a restart) loads the same state as the one kept in memory", async () => {
    const dir = tempDir("mlagents-ts-pbt-snap-");
    dirs.push(dir);
    const a = new SacTrainer({ behaviorName: "Ball", spec, settings: base, seed: 1 });
    const b = new SacTrainer({ behaviorName: "Ball", spec, settings: base, seed: 2 });
    try {
      const env = new Env(4, 5);
      const drive = (n: number): void => {
        for (let t = 0; t < n; t++) {
          const { decision, terminal } = env.next();
          a.observe(decision, terminal);
          a.act(decision);
          a.maybeUpdate();
        }
      };
      drive(15);
      const recorded = a.getState();
      await new SnapshotStore(dir).take("s1", a);
      drive(5);
      await new SnapshotStore(dir).loadInto("s1", b); // a fresh store: nothing in memory, the file is read
      const loaded = b.getState();
      expect(loaded.model).toStrictEqual(recorded.model);
      expect(loaded.buffer).toStrictEqual(recorded.buffer);
      expect(loaded.step).toBe(recorded.step);
      expect(loaded.updateSteps).toBe(recorded.updateSteps);
      expect(a.getState().model).not.toStrictEqual(recorded.model);
    } finally {
      a.dispose();
      b.dispose();
    }
  }, 60_000);
});

describe("BehaviorPopulation with metric: evaluation", () => {
  const evalPbt: PbtSettings = { ...pbt, population_size: 2, ready: 20, burn_in: 20, metric: "evaluation", episodes: 2, evaluation_max_steps: 100, explore: [], relative_margin: 100 }; // no exploit: the records stay

  /** Two members on the 4-agent test environment (member i's rewards scaled by i + 1), tracked by `population`. */
  function twoMembers(population: BehaviorPopulation, runDir: string): { team: BehaviorTeam; envs: Env[] } {
    const logger = createMemoryLogger();
    const status = new TrainingStatusFile(runDir, "test");
    const members = [0, 1].map((i) => {
      const trainer = population.track(new SacTrainer({ behaviorName: "Ball", spec, settings: base, seed: 30 + i }), i);
      const place = memberPlace(runDir, "Ball", i, 2);
      return newMember(place, trainer, memberStore(place, base, { runDir, logger, version: "test", status }), base);
    });
    return { team: new BehaviorTeam("Ball", spec, base, members), envs: members.map(() => new Env(4, 5)) };
  }

  async function drive(population: BehaviorPopulation, team: BehaviorTeam, envs: Env[], ctx: PopulationStepContext, until: () => boolean): Promise<void> {
    for (let t = 0; t < 200 && !until(); t++) {
      team.members.forEach((m, i) => {
        const { decision, terminal } = scaled(envs[i]!, i + 1);
        m.trainer.observe(decision, terminal, 0);
        m.trainer.act(decision, false, 0);
      });
      await population.step(team, ctx);
    }
  }

  it("scores a ready member's snapshot on its evaluation episodes; a check under way when the run stopped starts again", async () => {
    const runDir = tempDir("mlagents-ts-pbt-evalpop-");
    dirs.push(runDir);
    const store = new SnapshotStore(path.join(runDir, "pbt", "snapshots", "Ball"));
    const population = BehaviorPopulation.fresh("Ball", evalPbt, base, 3, store);
    const { team, envs } = twoMembers(population, runDir);
    const logger = createMemoryLogger();
    const ctx: PopulationStepContext = { logger, lineage: await LineageLog.open(path.join(runDir, "lineage.jsonl")), save: () => Promise.resolve(), loggedExploits: new Set() };
    try {
      const recorded = (): boolean => population.coordinator.members.every((m) => m.record !== null);
      await drive(population, team, envs, ctx, recorded);
      expect(recorded()).toBe(true);
      for (const m of population.coordinator.members) {
        const k = m.id + 1;
        // The first two episodes that started after the check: agents 0 and 1 (rewards don't depend on actions):
        // 5 decisions of k * 0.1 * id, then k at the end.
        expect(m.record!.episodes).toEqual([k * 1, k * 1.5].map((x) => expect.closeTo(x, 5)));
        expect(m.record!.step).toBeGreaterThanOrEqual(20);
        expect(m.record!.step).toBeLessThan(m.steps); // the snapshot's step: the member trained on while it was evaluated
      }
      expect(logger.lines.filter((l) => l.includes("evaluated its snapshot of step"))).toHaveLength(2);

      // The next check starts an evaluation; the run stops before it finishes (its population file says so).
      const first = population.coordinator.member(0).record!.snapshotId;
      await drive(population, team, envs, ctx, () => population.coordinator.member(0).awaitingSnapshot);
      const saved = population.toFile();
      expect(saved.coordinator.members[0]!.awaitingSnapshot).toBe(true);
      const restored = BehaviorPopulation.restored("Ball", evalPbt, saved, store);
      const again = twoMembers(restored, runDir);
      try {
        await drive(restored, again.team, again.envs, ctx, () => restored.coordinator.member(0).record?.snapshotId !== first);
        const record = restored.coordinator.member(0).record!;
        expect(record.snapshotId).not.toBe(first);
        expect(record.episodes).toHaveLength(2);
        expect(restored.coordinator.member(0).awaitingSnapshot).toBe(false);
      } finally {
        again.team.members.forEach((m) => m.trainer.dispose());
      }
    } finally {
      team.members.forEach((m) => m.trainer.dispose());
    }
  }, 120_000);
});
