import { describe, expect, it } from "vitest";
import { PopulationCoordinator } from "../../../src/trainers/pbt/coordinator.js";
import { base, episodes, testSettings } from "./helpers.js";

/** Makes member `id` ready at `steps` with episodes around `level` and records snapshot `snap`. */
function record(c: PopulationCoordinator, id: number, steps: number, level: number, snap: string) {
  expect(c.report(id, steps, episodes(level))).toEqual({ ready: true });
  return c.snapshotTaken(id, snap);
}

describe("PopulationCoordinator.create", () => {
  it("samples every member from the explore ranges, reproducibly from the seed", () => {
    const c = PopulationCoordinator.create(testSettings(), base, 7);
    expect(c.members.map((m) => m.id)).toEqual([0, 1, 2, 3]);
    for (const m of c.members) {
      expect(m.hyperparameters.learning_rate).toBeGreaterThanOrEqual(1e-4);
      expect(m.hyperparameters.learning_rate).toBeLessThanOrEqual(1e-2);
      expect([32, 64, 128]).toContain(m.hyperparameters.batch_size);
      expect(m.hyperparameters.tau).toBe(0.005);
    }
    expect(PopulationCoordinator.create(testSettings(), base, 7).toState()).toEqual(c.toState());
    expect(PopulationCoordinator.create(testSettings(), base, 8).toState()).not.toEqual(c.toState());
  });

  it("keeps the base values for the reference member", () => {
    const c = PopulationCoordinator.create(testSettings({ keep_reference: true }), base, 7);
    expect(c.member(0).hyperparameters).toEqual(base);
    expect(() => PopulationCoordinator.create(testSettings({ keep_reference: true }), { learning_rate: 1 }, 7)).toThrow(/base value for searched hyperparameter "batch_size"/);
  });
});

describe("readiness", () => {
  it("counts the member's own agent steps after the burn-in, and needs two episodes", () => {
    const c = PopulationCoordinator.create(testSettings({ burn_in: 250 }), base, 1);
    expect(c.report(0, 150, episodes(1))).toEqual({ ready: false }); // interval passed, burn-in not
    expect(c.report(0, 249, [])).toEqual({ ready: false });
    expect(c.report(0, 250, [])).toEqual({ ready: true });
    expect(c.report(0, 260, [])).toEqual({ ready: false }); // asked once, until the snapshot is taken
    c.snapshotTaken(0, "s0");
    expect(c.member(0).lastReadyStep).toBe(260);
    expect(c.report(0, 359, episodes(1))).toEqual({ ready: false });
    expect(c.report(0, 360, [])).toEqual({ ready: true });
    expect(c.report(1, 300, [1])).toEqual({ ready: false }); // one episode: no Welch test possible
    expect(c.report(1, 301, [2])).toEqual({ ready: true });
  });

  it("refuses steps going backwards and snapshots nobody asked for", () => {
    const c = PopulationCoordinator.create(testSettings(), base, 1);
    c.report(0, 50, []);
    expect(() => c.report(0, 40, [])).toThrow(/agent steps went from 50 to 40/);
    expect(() => c.snapshotTaken(0, "x")).toThrow(/not asked for a snapshot/);
    expect(() => c.report(9, 1, [])).toThrow(/no population member 9/);
  });

  it("keeps only the last `episodes` returns", () => {
    const c = PopulationCoordinator.create(testSettings({ episodes: 3 }), base, 1);
    c.report(0, 10, [1, 2, 3, 4, 5]);
    expect(c.member(0).recentEpisodes).toEqual([3, 4, 5]);
  });
});

describe("exploit", () => {
  it("copies exactly the snapshot that earned the source's score, then restarts the exploiter's clock", () => {
    const c = PopulationCoordinator.create(testSettings(), base, 3);
    // Each new record is the best so far, so nobody exploits before member 0.
    expect(record(c, 2, 100, 5, "m2-a").decisions).toEqual([]);
    expect(record(c, 3, 100, 6, "m3-a").decisions).toEqual([]);
    expect(record(c, 1, 100, 10, "m1-a").decisions).toEqual([]);
    // Member 1 has a newer state that has not been scored yet: the exploiter must not get it.
    c.report(1, 150, []);
    const out = record(c, 0, 120, 1, "m0-a");
    expect(out.decisions).toHaveLength(1);
    const d = out.decisions[0]!;
    expect(d).toMatchObject({ kind: "exploit", reason: "selection", member: 0, step: 120, source: 1, snapshotId: "m1-a", sourceStep: 100 });
    expect(d.scores).toEqual({ member: 1, source: 10 });
    expect(d.pValue).toBeLessThan(0.05);
    expect(d.oldHyperparameters).toEqual(PopulationCoordinator.create(testSettings(), base, 3).member(0).hyperparameters);
    expect(c.member(0).hyperparameters).toEqual(d.newHyperparameters);
    // Explore starts from the source's hyperparameters: batch size is a neighbour of (or resampled from) the list.
    expect([32, 64, 128]).toContain(d.newHyperparameters.batch_size);
    // The exploiter's own snapshot described the discarded state: released at once.
    expect(out.released).toEqual(["m0-a"]);
    expect(c.member(0)).toMatchObject({ record: null, loading: "m1-a", lastReadyStep: 120, recentEpisodes: [] });
    // Its clock restarted at 120: not ready at 200, ready at 220.
    expect(c.report(0, 200, episodes(3))).toEqual({ ready: false });
    expect(c.exploitLoaded(0, "m1-a")).toEqual({ released: [] }); // still member 1's record
    expect(c.report(0, 200, episodes(3))).toEqual({ ready: false });
    expect(c.report(0, 220, [])).toEqual({ ready: true });
  });

  it("keeps a source's old snapshot until its exploiter loaded it, though the source recorded a newer one", () => {
    const c = PopulationCoordinator.create(testSettings(), base, 3);
    // Each new record is the best so far, so nobody exploits before member 0.
    expect(record(c, 2, 100, 5, "m2-a").decisions).toEqual([]);
    expect(record(c, 3, 100, 6, "m3-a").decisions).toEqual([]);
    expect(record(c, 1, 100, 10, "m1-a").decisions).toEqual([]);
    expect(record(c, 0, 100, 1, "m0-a").decisions[0]!.snapshotId).toBe("m1-a");
    expect(record(c, 1, 200, 11, "m1-b").released).toEqual([]); // m1-a is pinned by member 0
    expect(c.retainedSnapshots().sort()).toEqual(["m1-a", "m1-b", "m2-a", "m3-a"]);
    expect(() => c.exploitLoaded(0, "m1-b")).toThrow(/not told to load snapshot "m1-b"/);
    expect(c.exploitLoaded(0, "m1-a")).toEqual({ released: ["m1-a"] });
  });

  it("never picks a member without a snapshot, and does nothing until two members have one", () => {
    const c = PopulationCoordinator.create(testSettings({ population_size: 2, quantile_fraction: 0.5 }), base, 3);
    expect(record(c, 0, 100, 1, "m0-a").decisions).toEqual([]); // member 1 has no snapshot yet
    expect(record(c, 1, 100, 10, "m1-a").decisions).toEqual([]); // member 1 is top, not bottom
    expect(record(c, 0, 200, 1, "m0-b").decisions[0]).toMatchObject({ member: 0, source: 1, snapshotId: "m1-a" });
  });

  it("does not churn on noise: no exploit when the gap fails the t-test or the margin", () => {
    const c = PopulationCoordinator.create(testSettings(), base, 3);
    const noisy = (level: number) => [level - 4, level + 4, level - 3, level + 3, level];
    for (const [id, level] of [[1, 10], [2, 9.8], [3, 9.9]] as const) {
      c.report(id, 100, noisy(level));
      c.snapshotTaken(id, `m${id}`);
    }
    c.report(0, 100, noisy(9));
    expect(c.snapshotTaken(0, "m0").decisions).toEqual([]);
    expect(c.member(0).record?.snapshotId).toBe("m0");
  });

  it("never mutates the reference member", () => {
    const c = PopulationCoordinator.create(testSettings({ keep_reference: true }), base, 3);
    record(c, 3, 100, 8, "m3");
    record(c, 2, 100, 9, "m2");
    record(c, 1, 100, 10, "m1");
    expect(record(c, 0, 100, -5, "m0").decisions).toEqual([]);
    expect(c.member(0).hyperparameters).toEqual(base);
    // The reference may still be a source.
    record(c, 0, 200, 20, "m0-b");
    expect(record(c, 3, 200, 1, "m3-b").decisions[0]).toMatchObject({ member: 3, source: 0, snapshotId: "m0-b" });
  });

  it("uses the evaluation episodes with the evaluation metric", () => {
    const c = PopulationCoordinator.create(testSettings({ metric: "evaluation" }), base, 3);
    expect(c.report(1, 100, [])).toEqual({ ready: true }); // training episodes are not needed
    expect(() => c.snapshotTaken(1, "m1")).toThrow(/evaluation metric needs/);
    c.snapshotTaken(1, "m1", [5, 6, 7]);
    expect(c.member(1).record).toMatchObject({ score: 6, episodes: [5, 6, 7], step: 100 });
    // The member trained on while its evaluation episodes ran: the record keeps the snapshot's step, the clock restarts now.
    expect(c.report(2, 100, [])).toEqual({ ready: true });
    expect(c.report(2, 160, [1])).toEqual({ ready: false });
    c.snapshotTaken(2, "m2", [10, 11], 100); // above member 1: not replaced
    expect([c.member(2).record!.step, c.member(2).lastReadyStep]).toEqual([100, 160]);
  });
});

describe("synchronous mode", () => {
  it("holds ready members until every live member recorded, then selects over the round", () => {
    const c = PopulationCoordinator.create(testSettings({ synchronous: true }), base, 3);
    expect(record(c, 0, 100, 1, "m0-a").decisions).toEqual([]);
    expect(record(c, 1, 100, 10, "m1-a").decisions).toEqual([]); // asynchronously, 0 would be compared now
    expect(c.waiting(0)).toBe(true);
    expect(c.report(0, 400, episodes(1))).toEqual({ ready: false }); // waits for the round
    expect(record(c, 2, 100, 6, "m2-a").decisions).toEqual([]);
    const out = record(c, 3, 100, 5, "m3-a");
    expect(out.decisions).toEqual([expect.objectContaining({ member: 0, source: 1, snapshotId: "m1-a" })]);
    expect([0, 1, 2, 3].map((id) => c.waiting(id))).toEqual([false, false, false, false]);
    expect(c.report(1, 200, [])).toEqual({ ready: true });
  });

  it("does not wait for a failed member", () => {
    const c = PopulationCoordinator.create(testSettings({ synchronous: true }), base, 3);
    record(c, 0, 100, 1, "m0-a");
    record(c, 1, 100, 10, "m1-a");
    record(c, 2, 100, 6, "m2-a");
    const out = c.memberFailed(3);
    // The round completes (0 copies 1), and 3 is revived from the best member.
    expect(out.decisions.map((d) => [d.reason, d.member, d.source])).toEqual([
      ["selection", 0, 1],
      ["failed", 3, 1],
    ]);
  });
});

describe("failed members", () => {
  it("leave the ranking and are revived from the best recorded member", () => {
    const c = PopulationCoordinator.create(testSettings(), base, 3);
    record(c, 1, 100, 10, "m1");
    record(c, 2, 100, 12, "m2");
    const out = c.memberFailed(1);
    expect(out.released).toEqual(["m1"]);
    expect(out.decisions[0]).toMatchObject({ reason: "failed", member: 1, source: 2, snapshotId: "m2", scores: { member: null, source: 12 }, pValue: null });
    expect(c.member(1).failed).toBe(true);
    expect(c.report(1, 300, episodes(1))).toEqual({ ready: false });
    c.exploitLoaded(1, "m2");
    expect(c.member(1).failed).toBe(false);
    expect(c.best()).toBe(2);
  });

  it("wait for a source when none has a snapshot yet", () => {
    const c = PopulationCoordinator.create(testSettings(), base, 3);
    expect(c.memberFailed(3).decisions).toEqual([]);
    const out = record(c, 2, 100, 4, "m2");
    expect(out.decisions).toEqual([expect.objectContaining({ reason: "failed", member: 3, source: 2, snapshotId: "m2" })]);
  });
});

describe("state", () => {
  it("round-trips through JSON and continues exactly as the uninterrupted population", () => {
    /** Rounds [from, to): every member steps 100, loads what it was told to load, snapshots when ready. */
    const drive = (c: PopulationCoordinator, from: number, to: number) => {
      const outcomes: unknown[] = [];
      for (let round = from; round < to; round++) {
        for (let id = 0; id < 4; id++) {
          const loading = c.member(id).loading;
          if (loading !== null) outcomes.push(c.exploitLoaded(id, loading));
          if (c.report(id, 100 * (round + 1), episodes(id * 3 + round)).ready) outcomes.push(c.snapshotTaken(id, `m${id}-${round}`));
        }
      }
      return outcomes;
    };
    const straight = drive(PopulationCoordinator.create(testSettings(), base, 11), 0, 6);
    expect(straight.some((o) => ((o as { decisions?: unknown[] }).decisions ?? []).length > 0)).toBe(true);

    const interrupted = PopulationCoordinator.create(testSettings(), base, 11);
    const before = drive(interrupted, 0, 3);
    const json = JSON.stringify(interrupted.toState());
    const restored = PopulationCoordinator.fromState(testSettings(), JSON.parse(json));
    expect(restored.toState()).toEqual(interrupted.toState());
    expect([...before, ...drive(restored, 3, 6)]).toEqual(straight);
  });

  it("refuses a saved state of another population size", () => {
    const state = PopulationCoordinator.create(testSettings(), base, 1).toState();
    expect(() => PopulationCoordinator.fromState(testSettings({ population_size: 5 }), state)).toThrow(/has 4 members, the configuration asks for 5/);
  });
});

describe("restoring", () => {
  it("refuses an incomplete saved state", () => {
    const state = PopulationCoordinator.create(testSettings(), base, 1).toState() as unknown as Record<string, unknown>;
    delete state.round;
    expect(() => PopulationCoordinator.fromState(testSettings(), state as never)).toThrow(/saved PBT state is incomplete/);
  });
});
