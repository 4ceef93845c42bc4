// The bookkeeping of the GPU population worker (member-stacks.ts) on wasm, where it runs the same
// way without a GPU: members updated in rounds of changing subsets (stacked, partitioned by
// minibatch size, lone), acting between rounds, and a state copy from one member to another
// (a PBT exploit), against the same members each updated alone with TapeSacEngine. Float bounds
// are those of test/trainers/sac/batched-tape-sac.test.ts: far below one Adam step, so a member
// that missed an update, got another's, or updated from stale weights fails by orders of magnitude.
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../../src/trainers/backend.js";
import { MemberStacks } from "../../../src/trainers/gpu/member-stacks.js";
import { SacCommon } from "../../../src/trainers/sac/sac-common.js";
import type { UpdateLosses } from "../../../src/trainers/sac/sac-engine.js";
import { TapeSacEngine } from "../../../src/trainers/sac/tape-engine.js";
import { BATCH, CASES, lossDiff, maxTensorDiff, MEMBERS, prepare, setup } from "../sac/batched-tape-fixtures.js";
import { randomBatch } from "../sac/helpers.js";

beforeAll(async () => {
  await initBackend("wasm");
});

const STAT_TOL = 1e-5;
const WEIGHT_TOL = 1e-6;

type S = ReturnType<typeof setup>;
const engines = (s: S): TapeSacEngine[] => MEMBERS.map((m, k) => prepare(new TapeSacEngine(new SacCommon(s.spec, s.settings, m.seed)), s, k));

/**
 * Rounds of [member, batch seed, batch size]: full, partial and unordered, one lone, one with two
 * minibatch sizes, the full set (its cached stack is stale: reloaded); after the exploit, the full
 * set again (the stack written back before the exploit must reload the copy), then once more at
 * once (the stack that updated last goes on without a copy).
 */
const ROUNDS: [number, number, number][][] = [
  [[0, 1, BATCH], [1, 2, BATCH], [2, 3, BATCH]],
  [[2, 4, BATCH], [0, 5, BATCH]],
  [[1, 6, BATCH]],
  [[0, 7, BATCH], [1, 8, BATCH], [2, 9, 8]],
  [[1, 16, BATCH], [2, 17, BATCH], [0, 18, BATCH]],
  [[0, 10, BATCH], [1, 11, BATCH], [2, 12, BATCH]],
  [[0, 13, BATCH], [1, 14, BATCH], [2, 15, BATCH]],
];

describe("MemberStacks (the GPU population worker's bookkeeping, on wasm)", () => {
  for (const c of CASES) {
    it(`${c.name}: rounds of changing members, acting between them and an exploit copy equal separate updates`, async () => {
      const s = setup(c, 1);
      const alone = engines(s);
      const pooled = engines(s);
      const stacks = new MemberStacks(3);
      pooled.forEach((e) => stacks.add(e));
      const obs = s.batches[0]![0]!.obs;
      const runRound = async (round: [number, number, number][]): Promise<void> => {
        const batches = round.map(([m, seed, n]) => randomBatch(s.spec, n, 500 + 37 * seed + m, c.maskEvery));
        const ref: UpdateLosses[] = round.map(([m], k) => alone[m]!.update(batches[k]!));
        const got = await stacks.update(
          round.map(([m]) => m),
          batches,
        );
        got.forEach((l, k) => expect(lossDiff(ref[k]!, l), `member ${round[k]![0]}`).toBeLessThan(STAT_TOL));
      };
      const init = pooled.map((e) => e.getState());
      for (const round of ROUNDS.slice(0, 5)) {
        await runRound(round);
        // Acting reads the member's own weights: the stack's progress must be there.
        stacks.settleFor(0);
        const a = pooled[0]!.act(obs, BATCH, null, true).continuous;
        const b = alone[0]!.act(obs, BATCH, null, true).continuous;
        for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-5);
      }
      // The exploit: member 2 takes member 0's state exactly, then all train on.
      stacks.settleFor(0);
      const copied = pooled[0]!.getState();
      stacks.settleFor(2);
      pooled[2]!.setState(copied);
      stacks.changed(2);
      expect(maxTensorDiff(copied, pooled[2]!.getState()).diff).toBe(0);
      alone[2]!.setState(alone[0]!.getState());
      await runRound(ROUNDS[5]!);
      await runRound(ROUNDS[6]!);
      stacks.settle();
      pooled.forEach((e, k) => {
        const st = e.getState();
        const ref = alone[k]!.getState();
        const worst = maxTensorDiff(ref, st);
        expect(worst.diff, `member ${k}: ${worst.key}`).toBeLessThan(WEIGHT_TOL);
        expect(maxTensorDiff(init[k]!, st).diff).toBeGreaterThan(20 * WEIGHT_TOL);
        expect(st.adamSteps).toEqual(ref.adamSteps);
        expect(st.updates).toBe(ref.updates);
      });
      // Every path ran: stacks of 3 and 2 (and 2 of the size-split round), lone updates, two reloads (rounds 5 and 6).
      expect(stacks.counts).toMatchObject({ stackedCalls: 6, stackedMemberUpdates: 16, loneUpdates: 2, stacksBuilt: 3, reloads: 2 });
      stacks.dispose();
      [...alone, ...pooled].forEach((e) => e.dispose());
    });
  }

  it("keeps no tensor of a dropped stack or a removed member", async () => {
    const s = setup(CASES[0]!, 1);
    const before = tf.memory().numTensors;
    const pooled = engines(s);
    const stacks = new MemberStacks(1);
    pooled.forEach((e) => stacks.add(e));
    const batch = (seed: number) => randomBatch(s.spec, BATCH, seed);
    await stacks.update([0, 1, 2], [batch(1), batch(2), batch(3)]);
    await stacks.update([0, 1], [batch(4), batch(5)]); // drops the stack of three (maxStacks 1)
    stacks.remove(1).dispose();
    expect(() => stacks.member(1)).toThrow(/member 1 is not in this population/);
    await stacks.update([0, 2], [batch(6), batch(7)]);
    stacks.dispose();
    pooled[0]!.dispose();
    pooled[2]!.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("refuses a member twice in one update and a batch count that does not match", async () => {
    const s = setup(CASES[0]!, 1);
    const pooled = engines(s);
    const stacks = new MemberStacks();
    pooled.forEach((e) => stacks.add(e));
    const b = randomBatch(s.spec, BATCH, 1);
    await expect(stacks.update([0, 0], [b, b])).rejects.toThrow(/appears twice/);
    await expect(stacks.update([0, 1], [b])).rejects.toThrow(/1 batches for 2 members/);
    stacks.dispose();
    pooled.forEach((e) => e.dispose());
  });
});
