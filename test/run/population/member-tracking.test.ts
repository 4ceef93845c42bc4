// A PBT member behind its tracking proxy, on the real SAC trainer: evaluation episodes never reach
// the trainer (replay buffer size, step count and pending experiences counted by hand), their
// agents get the snapshot's deterministic actions, the training agents the trainer's, and the
// training returns leave the evaluation episodes out.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EpisodeReturns } from "../../../src/run/episode-returns.js";
import { deterministicActions, EvaluationEpisodes } from "../../../src/run/population/evaluation-episodes.js";
import { trackMember } from "../../../src/run/population/member-tracking.js";
import type { Trainer } from "../../../src/trainers/trainer.js";
import { SacTrainer } from "../../../src/trainers/sac/sac-trainer.js";
import { selectDecisionRows } from "../../../src/run/agent-split.js";
import { makeSpec } from "../../trainers/sac/helpers.js";
import { Env, settings } from "../../trainers/sac/trainer-helpers.js";
import { ensureBackend } from "../helpers.js";

beforeAll(() => ensureBackend());
const trainers: SacTrainer[] = [];
afterAll(() => trainers.forEach((t) => t.dispose()));

describe("a tracked member with evaluation episodes", () => {
  it("keeps evaluation experience out of the replay buffer and the step count; returns split by kind", () => {
    const spec = makeSpec([[3]], 2, [3]);
    // No updates (batch larger than the run): the policy, and so the expected actions, stay fixed.
    const trainer = new SacTrainer({ behaviorName: "B", spec, settings: settings({ batch_size: 4000, buffer_size: 5000 }), seed: 9 });
    trainers.push(trainer);
    const training = new EpisodeReturns();
    const evaluation = new EvaluationEpisodes(1000);
    let loaded = -1;
    const member: Trainer = trackMember(trainer, { training, evaluation }, (t) => (loaded = t.stepCount));
    const snapshot = trainer.snapshot();
    // 4 agents, episodes of 5 decisions; all end (and restart with the same ids) at t = 5, 10, ...
    const env = new Env(4, 5);
    evaluation.start("s0", snapshot, 2, 0); // agents 0 and 1 play their first episode for evaluation
    for (let t = 0; t <= 10; t++) {
      const { decision, terminal } = env.next();
      member.observe(decision, terminal, 0);
      const actions = member.act(decision, false, 0);
      const evaluating = Array.from(decision.agentId).map((id) => evaluation.isEvaluating(0, id));
      expect(evaluating).toEqual(t < 5 ? [true, true, false, false] : [false, false, false, false]);
      if (t < 5) {
        const want = deterministicActions(snapshot, selectDecisionRows(decision, [0, 1]));
        expect(Array.from(actions.continuous.subarray(0, 4))).toEqual(Array.from(want.continuous));
        expect(Array.from(actions.discrete.subarray(0, 2))).toEqual(Array.from(want.discrete));
      }
      expect(actions.length).toBe(4);
    }
    // By hand: an agent's episode gives 5 transitions (actions at t..t+4, completed at t+1..t+5).
    // Training episodes finished by t = 10: agents 2, 3 in the first, all 4 in the second: 6 * 5 = 30;
    // the 4 actions of t = 10 wait for their outcome. Without evaluation it would be 8 * 5 = 40.
    expect(trainer.bufferSize).toBe(30);
    expect(trainer.stepCount).toBe(30);
    expect(member.stepCount).toBe(30);
    // Episode returns: 5 decisions of 0.1 * id, then 1 at the end.
    const ret = (id: number): number => 0.5 * id + 1;
    expect(evaluation.result()).toEqual({ snapshotId: "s0", snapshotStep: 0, returns: [ret(0), ret(1)].map((x) => expect.closeTo(x, 5)), steps: 10, cut: 0 });
    expect(training.take().sort((a, b) => a - b)).toEqual([2, 3, 0, 1, 2, 3].map(ret).sort((a, b) => a - b).map((x) => expect.closeTo(x, 5)));

    // discardPending reaches the trainer, the training returns and the evaluation.
    member.discardPending(0);
    expect(training.isOpen(0, 0)).toBe(false);
    member.loadSerializedState(trainer.serializeState(), "state");
    expect(loaded).toBe(30);
  });

  it("with no round running, every row trains exactly as without the proxy", () => {
    const spec = makeSpec([[3]], 1, []);
    const direct = new SacTrainer({ behaviorName: "B", spec, settings: settings({ batch_size: 8 }), seed: 2 });
    const inner = new SacTrainer({ behaviorName: "B", spec, settings: settings({ batch_size: 8 }), seed: 2 });
    trainers.push(direct, inner);
    const member = trackMember(inner, { training: new EpisodeReturns(), evaluation: new EvaluationEpisodes(10) }, () => undefined);
    const a = new Env(3, 4);
    const b = new Env(3, 4);
    for (let t = 0; t < 20; t++) {
      const sa = a.next();
      const sb = b.next();
      direct.observe(sa.decision, sa.terminal, 0);
      member.observe(sb.decision, sb.terminal, 0);
      expect(Array.from(member.act(sb.decision, false, 0).continuous)).toEqual(Array.from(direct.act(sa.decision, false, 0).continuous));
      direct.maybeUpdate();
      member.maybeUpdate();
    }
    expect(inner.getState()).toStrictEqual(direct.getState());
  });
});
