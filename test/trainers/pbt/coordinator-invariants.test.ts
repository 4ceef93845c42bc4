// Property test of the coordinator against a model of the run loop: random interleavings of steps,
// snapshots, loads and failures, checking the guarantees of docs/pbt.md after every call.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PopulationCoordinator, type Outcome } from "../../../src/trainers/pbt/coordinator.js";
import { base, testSettings } from "./helpers.js";

type Op =
  | { kind: "step"; member: number; steps: number; rewards: number[] }
  | { kind: "load"; member: number }
  | { kind: "fail"; member: number };

const op = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant("step" as const), member: fc.nat(4), steps: fc.integer({ min: 1, max: 120 }), rewards: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { maxLength: 4 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("load" as const), member: fc.nat(4) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("fail" as const), member: fc.nat(4) }) },
);

describe("PopulationCoordinator invariants", () => {
  let exploits = 0;

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])("hold for random runs (keep_reference %s, synchronous %s)", (keepReference, synchronous) => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 150 }), fc.integer(), (ops: Op[], seed) => {
        const c = PopulationCoordinator.create(testSettings({ population_size: 5, keep_reference: keepReference, synchronous, quantile_fraction: 0.4 }), base, seed);
        const onDisk = new Set<string>(); // snapshots the run loop holds
        const toLoad = new Map<number, string>(); // exploiter -> snapshot it was told to load
        const steps = [0, 0, 0, 0, 0];
        let counter = 0;
        const handle = ({ decisions, released }: Outcome): void => {
          for (const id of released) {
            expect(onDisk.has(id)).toBe(true);
            // Never released while an exploiter still has to load it (Ray Tune #8441).
            expect([...toLoad.values()]).not.toContain(id);
            onDisk.delete(id);
          }
          for (const d of decisions) {
            exploits++;
            if (keepReference) expect(d.member).not.toBe(0);
            expect(d.source).not.toBe(d.member);
            // The source had a snapshot, and the exploiter gets exactly the one behind its score (#27170, #28509).
            const source = c.member(d.source).record;
            expect(source?.snapshotId).toBe(d.snapshotId);
            expect(source?.score).toBe(d.scores.source);
            expect(onDisk.has(d.snapshotId)).toBe(true);
            expect(toLoad.has(d.member)).toBe(false);
            toLoad.set(d.member, d.snapshotId);
            // The exploiter's clock restarted at the exploit (#3655).
            expect(c.member(d.member).lastReadyStep).toBe(d.step);
            expect(c.member(d.member).loading).toBe(d.snapshotId);
          }
        };
        for (const o of ops) {
          if (o.kind === "step") {
            steps[o.member]! += o.steps;
            // Each member has its own scale so that exploits really happen.
            const { ready } = c.report(o.member, steps[o.member]!, o.rewards.map((r) => r + 3 * o.member));
            if (ready) {
              const id = `s${counter++}`;
              onDisk.add(id);
              handle(c.snapshotTaken(o.member, id));
            }
          } else if (o.kind === "load") {
            const id = toLoad.get(o.member);
            if (id === undefined) continue;
            toLoad.delete(o.member);
            handle({ decisions: [], ...c.exploitLoaded(o.member, id) });
          } else {
            toLoad.delete(o.member);
            handle(c.memberFailed(o.member));
          }
          // Retained = current records + pending loads, and nothing else is kept on disk.
          const expected = new Set<string>([...toLoad.values()]);
          for (const m of c.members) if (m.record) expected.add(m.record.snapshotId);
          expect(new Set(c.retainedSnapshots())).toEqual(expected);
          expect(onDisk).toEqual(expected);
          // Synchronous rounds only hold members that recorded since the last selection.
          for (const m of c.members) if (c.waiting(m.id)) expect(m.record).not.toBeNull();
          expect(PopulationCoordinator.fromState(c.settings, JSON.parse(JSON.stringify(c.toState()))).toState()).toEqual(c.toState());
        }
      }),
      { numRuns: 150 },
    );
  });

  it("exercised exploits (the properties above are not vacuous)", () => {
    expect(exploits).toBeGreaterThan(20);
  });
});
