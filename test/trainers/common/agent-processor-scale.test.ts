// Many agents at once (a scene with 10k+ agents): per-agent storage must grow in proportion to the
// agents tracked. It used to double with every new agent (the next slot was the capacity itself),
// so ~30 agents asked for arrays of 2^33 floats.
import { describe, expect, it } from "vitest";
import { ActionSpec, DimensionProperty, ObservationType, type BehaviorSpec } from "../../../src/env/behavior-spec.js";
import type { DecisionSteps, TerminalSteps } from "../../../src/env/steps.js";
import { AgentProcessor } from "../../../src/trainers/common/agent-processor.js";

const OBS = 8;
const spec: BehaviorSpec = {
  observationSpecs: [{ name: "v", shape: [OBS], dimensionProperties: [DimensionProperty.NONE], observationType: ObservationType.DEFAULT }],
  actionSpec: ActionSpec.continuous(2),
};

function decision(ids: Int32Array, t: number): DecisionSteps {
  const obs = new Float32Array(ids.length * OBS);
  ids.forEach((id, i) => obs.fill(id + t / 10, i * OBS, (i + 1) * OBS));
  return { length: ids.length, obs: [obs], reward: new Float32Array(ids.length).fill(0.1), agentId: ids, actionMask: null, groupId: new Int32Array(ids.length), groupReward: new Float32Array(ids.length) };
}

const noTerminal: TerminalSteps = { length: 0, obs: [new Float32Array(0)], reward: new Float32Array(0), interrupted: new Uint8Array(0), agentId: new Int32Array(0), groupId: new Int32Array(0), groupReward: new Float32Array(0) };

describe("AgentProcessor with many agents", () => {
  it("tracks 50,000 agents with storage linear in agents, and pairs each agent's own experience", () => {
    const n = 50_000;
    const ids = Int32Array.from({ length: n }, (_, i) => 3 * i + 7); // sparse ids, as Unity's episode ids are
    const p = new AgentProcessor(spec, "Many");
    const before = process.memoryUsage().arrayBuffers;
    const actions = (t: number) => ({ continuous: Float32Array.from({ length: 2 * n }, (_, k) => ids[k >> 1]! + t), discrete: new Int32Array(0) });
    p.recordActions(decision(ids, 0), actions(0));
    const batch = p.observe(decision(ids, 1), noTerminal);
    p.recordActions(decision(ids, 1), actions(1));
    // Slots: obs 8 + 2 actions + bookkeeping, a few times over for doubling and the output pool.
    const grownMb = (process.memoryUsage().arrayBuffers - before) / 2 ** 20;
    expect(grownMb).toBeLessThan(64);
    expect(p.trackedAgents).toBe(n);
    expect(p.pendingCount).toBe(n);
    expect(batch.length).toBe(n);
    for (const row of [0, 1, n >> 1, n - 1]) {
      const id = ids[row]!;
      expect(batch.obs[0]![row * OBS]).toBe(Math.fround(id));
      expect(batch.nextObs[0]![row * OBS]).toBe(Math.fround(id + 0.1));
      expect(batch.continuousActions[row * 2]).toBe(id);
    }
  });
});
