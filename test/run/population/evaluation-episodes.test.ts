// Evaluation episodes of a PBT member: the deterministic actions against an independent
// computation written here (the mean through tanh, the argmax of the allowed logits) and against the
// trainer's own engine acting deterministically, for continuous, discrete and Mix & Match (the
// target alone); and which episodes are evaluation episodes, their returns, the step limit, discards.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRunOptions } from "../../../src/config/run-options.js";
import type { DecisionSteps, TerminalSteps } from "../../../src/env/index.js";
import { deterministicActions, EvaluationEpisodes } from "../../../src/run/population/evaluation-episodes.js";
import type { ActorSnapshot, DenseWeights } from "../../../src/trainers/common/actor-snapshot.js";
import { MmTrainer } from "../../../src/trainers/mm/mm-trainer.js";
import { SacTrainer } from "../../../src/trainers/sac/sac-trainer.js";
import type { Trainer } from "../../../src/trainers/trainer.js";
import { ensureBackend } from "../helpers.js";
import { floats, makeSpec } from "../../trainers/sac/helpers.js";
import { Env, settings } from "../../trainers/sac/trainer-helpers.js";

beforeAll(() => ensureBackend());
const trainers: Trainer[] = [];
afterAll(() => trainers.forEach((t) => t.dispose()));

/** n agents' decision with 3 observations each and, per branch, the given masks (1 = masked). */
function decisionOf(n: number, seed: number, masks: Uint8Array[] | null): DecisionSteps {
  return {
    length: n,
    obs: [floats(n * 3, seed).map((v) => 3 * v)],
    reward: new Float32Array(n),
    agentId: Int32Array.from({ length: n }, (_, i) => i),
    actionMask: masks,
    groupId: new Int32Array(n),
    groupReward: new Float32Array(n),
  };
}

/** The independent computation: one agent's row through the snapshot in float64. */
function byHand(s: ActorSnapshot, x: number[], masks: (number[] | undefined)[]): { continuous: number[]; discrete: number[] } {
  const dense = (v: number[], d: DenseWeights): number[] =>
    Array.from({ length: d.outSize }, (_, o) => v.reduce((acc, xi, i) => acc + xi * d.kernel[i * d.outSize + o]!, d.bias[o]!));
  const enc = s.encoders[0]!;
  if (enc.kind !== "vector") throw new Error("vector observations only");
  let h = enc.normalizer ? x.map((v, j) => Math.min(5, Math.max(-5, (v - enc.normalizer!.mean[j]!) / enc.normalizer!.std[j]!))) : x;
  for (const layer of s.body) h = dense(h, layer).map((v) => v / (1 + Math.exp(-v)));
  const continuous = s.continuous ? dense(h, s.continuous.mu).map(Math.tanh) : [];
  const discrete = (s.discrete?.heads ?? []).map((head, b) => {
    const logits = dense(h, head);
    let best = -1;
    logits.forEach((l, j) => {
      if (!masks[b]?.[j] && (best < 0 || l > logits[best]!)) best = j;
    });
    return best;
  });
  return { continuous, discrete };
}

function checkAgainstHandAndEngine(trainer: Trainer, twin: Trainer, decision: DecisionSteps): void {
  const snapshot = trainer.snapshot();
  const got = deterministicActions(snapshot, decision);
  const engine = twin.act(decision, true, 0);
  const A = got.continuous.length / decision.length;
  const B = got.discrete.length / decision.length;
  for (let r = 0; r < decision.length; r++) {
    const x = Array.from(decision.obs[0]!.subarray(r * 3, (r + 1) * 3));
    const masks = (decision.actionMask ?? []).map((m, b) => {
      const size = snapshot.discrete!.branchSizes[b]!;
      return Array.from(m.subarray(r * size, (r + 1) * size));
    });
    const want = byHand(snapshot, x, masks);
    for (let i = 0; i < A; i++) {
      expect(got.continuous[r * A + i]).toBeCloseTo(want.continuous[i]!, 5);
      expect(engine.continuous[r * A + i]).toBeCloseTo(want.continuous[i]!, 4);
    }
    expect(Array.from(got.discrete.subarray(r * B, (r + 1) * B))).toEqual(want.discrete);
    expect(Array.from(engine.discrete.subarray(r * B, (r + 1) * B))).toEqual(want.discrete);
  }
}

/** A trainer that observed and updated a little (normalizer and weights away from their start), and an exact copy to act with. */
function trained<T extends Trainer>(make: () => T, steps: number): [T, T] {
  const t = make();
  const twin = make();
  trainers.push(t, twin);
  const env = new Env(4, 6);
  for (let i = 0; i < steps; i++) {
    const { decision, terminal } = env.next();
    t.observe(decision, terminal);
    t.act(decision);
    t.maybeUpdate();
  }
  twin.setState(t.getState());
  return [t, twin];
}

describe("deterministic evaluation actions", () => {
  it("continuous: tanh of the mean, as the engine acts deterministically", () => {
    const spec = makeSpec([[3]], 2, []);
    const s = settings({ batch_size: 8 }, { network_settings: { ...settings().network_settings, normalize: true, num_layers: 2 } });
    const [trainer, twin] = trained(() => new SacTrainer({ behaviorName: "B", spec, settings: s, seed: 3 }), 30);
    checkAgainstHandAndEngine(trainer, twin, decisionOf(6, 5, null));
  });

  it("discrete: the argmax of the allowed actions per branch, masks respected", () => {
    const spec = makeSpec([[3]], 0, [3, 2]);
    const [trainer, twin] = trained(() => new SacTrainer({ behaviorName: "B", spec, settings: settings({ batch_size: 8 }), seed: 4 }), 30);
    const n = 8;
    // Every row masks one action of branch 0 (a different one by row); branch 1 unmasked.
    const mask0 = new Uint8Array(n * 3).map((_, k) => (k % 3 === Math.floor(k / 3) % 3 ? 1 : 0));
    const decision = decisionOf(n, 6, [mask0, new Uint8Array(n * 2)]);
    checkAgainstHandAndEngine(trainer, twin, decision);
    const actions = deterministicActions(trainer.snapshot(), decision);
    for (let r = 0; r < n; r++) expect(actions.discrete[r * 2]).not.toBe(r % 3); // never a masked action
  });

  it("Mix & Match: the target component alone, even where the mixture never lets it act", () => {
    const yaml = `behaviors:
  B:
    trainer_type: sac
    hyperparameters: {batch_size: 8, buffer_size: 2000, steps_per_update: 2}
    network_settings: {hidden_units: 16, num_layers: 1}
    mix_and_match:
      initial_alpha: [1.0, 0.0]
      components:
        - network_settings: {hidden_units: 8}
          macro_actions: [{discrete: [0]}, {discrete: [2]}]
        - {}
`;
    const s = parseRunOptions(yaml, "mm.yaml").behaviors.get("B")!;
    const spec = makeSpec([[3]], 0, [3]);
    const [trainer, twin] = trained(() => new MmTrainer({ behaviorName: "B", spec, settings: s, seed: 5 }), 30);
    expect(trainer.hyperparameters().mix_and_match_alpha).toBe(0); // α_K = 0: the simple component takes every stochastic decision
    const snapshot = trainer.snapshot();
    expect(snapshot.body.map((l) => l.outSize)).toEqual([16]); // the target's network, not the 8-unit component
    const decision = decisionOf(12, 7, [new Uint8Array(12 * 3)]);
    checkAgainstHandAndEngine(trainer, twin, decision);
  });
});

const ids = (xs: number[]): Int32Array => Int32Array.from(xs);
function step(decisionIds: number[], rewards: number[] = [], terminalIds: number[] = [], terminalRewards: number[] = []): { decision: DecisionSteps; terminal: TerminalSteps } {
  return {
    decision: { length: decisionIds.length, obs: [new Float32Array(decisionIds.length * 3)], reward: Float32Array.from(rewards), agentId: ids(decisionIds), actionMask: null, groupId: new Int32Array(decisionIds.length), groupReward: new Float32Array(decisionIds.length) },
    terminal: { length: terminalIds.length, obs: [new Float32Array(terminalIds.length * 3)], reward: Float32Array.from(terminalRewards), interrupted: new Uint8Array(terminalIds.length), agentId: ids(terminalIds), groupId: new Int32Array(terminalIds.length), groupReward: new Float32Array(terminalIds.length) },
  };
}

describe("EvaluationEpisodes", () => {
  const actor = { encoders: [], body: [], continuous: null, discrete: null } as ActorSnapshot;

  it("claims the next `episodes` new episodes at their first decision, never one under way; their returns finish the round", () => {
    const e = new EvaluationEpisodes(100);
    const training = new Set([1]); // agent 1 is in a training episode already
    const inTraining = (id: number): boolean => training.has(id);
    e.start("s1", actor, 2, 40);
    let s = step([1, 2, 3, 4], [0.5, 0, 0, 0]);
    let split = e.split(s.decision, s.terminal, 0, inTraining);
    expect(Array.from(split.trainingDecision.agentId)).toEqual([1, 4]); // 2 and 3 claimed; 4 is past the count
    expect(split.evaluationRows).toEqual([1, 2]);
    expect([e.isEvaluating(0, 2), e.isEvaluating(0, 3), e.isEvaluating(1, 2)]).toEqual([true, true, false]);
    s = step([1, 2, 3, 4], [0, 0.25, 1, 0]);
    e.split(s.decision, s.terminal, 0, inTraining);
    // Agent 2 ends (0 + 0.25 + 2) and a new agent 5 starts: the round already holds 2 episodes, so 5 trains.
    s = step([3, 5], [0.5, 0], [2], [2]);
    split = e.split(s.decision, s.terminal, 0, inTraining);
    expect(split.trainingTerminal.length).toBe(0);
    expect(Array.from(split.trainingDecision.agentId)).toEqual([5]);
    expect(e.result()).toBeNull();
    s = step([], [], [3], [-1]); // agent 3: 0 + 1 + 0.5 - 1
    e.split(s.decision, s.terminal, 0, inTraining);
    expect(e.active).toBe(false);
    expect(e.result()).toEqual({ snapshotId: "s1", snapshotStep: 40, returns: [2.25, 0.5], steps: 5, cut: 0 });
    expect(e.result()).toBeNull();
    // Without a round everything trains.
    s = step([6], [0]);
    expect(e.split(s.decision, s.terminal, 0, inTraining).trainingDecision).toBe(s.decision);
  });

  it("cuts an episode at the step limit: its return so far counts, the agent trains on from that decision", () => {
    const e = new EvaluationEpisodes(3);
    e.start("s", actor, 2, 0);
    const inTraining = (): boolean => false;
    for (let t = 0; t < 3; t++) {
      const split = e.split(step([7], [t === 0 ? 0 : 1]).decision, step([]).terminal, 1, inTraining);
      expect(split.evaluationRows).toEqual([0]);
    }
    const split = e.split(step([7], [1]).decision, step([]).terminal, 1, inTraining); // the 4th decision: cut
    expect(split.evaluationRows).toEqual([]);
    expect(Array.from(split.trainingDecision.agentId)).toEqual([7]);
    expect(e.isEvaluating(1, 7)).toBe(false);
    e.split(step([8], [0]).decision, step([]).terminal, 1, inTraining); // agent 8: claimed at its first decision
    e.split(step([]).decision, step([], [], [8], [4]).terminal, 1, inTraining);
    expect(e.result()).toEqual({ snapshotId: "s", snapshotStep: 0, returns: [3, 4], steps: 4, cut: 1 });
  });

  it("claims an episode that restarts under the same id in the message that ended the training one", () => {
    const e = new EvaluationEpisodes(100);
    e.start("s", actor, 1, 0);
    // Agent 4 was training (the emulator and some scenes keep an agent's id across episodes).
    const split = e.split(step([4], [0]).decision, step([], [], [4], [1]).terminal, 0, (id) => id === 4);
    expect(split.trainingTerminal.length).toBe(1); // the training episode ends as training
    expect(split.evaluationRows).toEqual([0]); // the new one is an evaluation episode
    e.split(step([]).decision, step([], [], [4], [0.5]).terminal, 0, () => false);
    expect(e.result()?.returns).toEqual([0.5]);
  });

  it("a discarded evaluation episode frees its claim for a new episode", () => {
    const e = new EvaluationEpisodes(100);
    e.start("s", actor, 1, 0);
    e.split(step([1], [0]).decision, step([]).terminal, 0, () => false);
    e.discard(0);
    expect(e.isEvaluating(0, 1)).toBe(false);
    e.split(step([2], [0]).decision, step([]).terminal, 1, () => false);
    expect(e.isEvaluating(1, 2)).toBe(true);
    e.split(step([]).decision, step([], [], [2], [5]).terminal, 1, () => false);
    expect(e.result()?.returns).toEqual([5]);
    expect(() => e.start("t", actor, 0, 0)).toThrow("evaluation episodes must be an integer >= 1");
    expect(() => new EvaluationEpisodes(0)).toThrow("evaluation step limit must be an integer >= 1");
  });
});
