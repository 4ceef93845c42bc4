// The trainers serving one behavior name: a team of 1..N members. Each environment step of the
// behavior is split between the members by agent (agent-split.ts): every member observes and
// acts for its own agents only, and the actions go back to Unity in the step's agent order.
import type { TrainerSettings } from "../config/index.js";
import type { BaseEnv, BehaviorSpec } from "../env/index.js";
import { mergeActions, rowsByMember, selectDecisionRows, selectTerminalRows } from "./agent-split.js";
import type { TeamMember } from "./team-member.js";

export class BehaviorTeam {
  constructor(
    readonly name: string,
    readonly spec: BehaviorSpec,
    readonly settings: TrainerSettings,
    readonly members: readonly TeamMember[],
    /** Each member owns this many consecutive environments; null: every environment's agents are split by agent id. */
    readonly environmentsPerMember: number | null = null,
  ) {}

  /** The member that owns environment `envIndex` (environmentsPerMember set), else null. */
  ownerOf(envIndex: number): TeamMember | null {
    if (this.environmentsPerMember === null || this.members.length === 1) return null;
    return this.members[Math.min(this.members.length - 1, Math.floor(envIndex / this.environmentsPerMember))]!;
  }

  get size(): number {
    return this.members.length;
  }

  /** Steps of all members. */
  get stepCount(): number {
    let s = 0;
    for (const m of this.members) s += m.trainer.stepCount;
    return s;
  }

  get isDone(): boolean {
    return this.members.every((m) => m.trainer.isDone);
  }

  /** True when every member that acts for environment `envIndex`'s agents reached max_steps. */
  isDoneIn(envIndex: number): boolean {
    const owner = this.members.length === 1 ? this.members[0]! : this.ownerOf(envIndex);
    return owner ? owner.trainer.isDone : this.isDone;
  }

  /**
   * Feeds one environment's latest steps of `fullName` to the members and sets the actions of its
   * decision agents. `deterministic` undefined: each behavior's network_settings.deterministic.
   */
  observeAndAct(env: BaseEnv, fullName: string, envIndex: number, deterministic: boolean | undefined): void {
    const [decision, terminal] = env.getSteps(fullName);
    const owner = this.members.length === 1 ? this.members[0]! : this.ownerOf(envIndex);
    if (owner) {
      const trainer = owner.trainer;
      trainer.observe(decision, terminal, envIndex);
      if (decision.length > 0) env.setActions(fullName, trainer.act(decision, deterministic, envIndex));
      return;
    }
    const n = this.members.length;
    const decisionRows = rowsByMember(decision.agentId, envIndex, n);
    const terminalRows = rowsByMember(terminal.agentId, envIndex, n);
    const parts = this.members.map((m, i) => {
      const mine = selectDecisionRows(decision, decisionRows[i]!);
      m.trainer.observe(mine, selectTerminalRows(terminal, terminalRows[i]!), envIndex);
      return m.trainer.act(mine, deterministic, envIndex);
    });
    if (decision.length > 0) env.setActions(fullName, mergeActions(this.spec.actionSpec, decision.length, decisionRows, parts));
  }

  /** "3DBall: 12 agents of environment 0 in 4 members: 3, 3, 3, 3" (printed when a session starts). */
  describeSplit(env: BaseEnv, fullName: string, envIndex: number): string {
    const [decision] = env.getSteps(fullName);
    const owner = this.ownerOf(envIndex);
    if (owner) return `${fullName}: ${decision.length} agents of environment ${envIndex} for member ${owner.index} (member = environment index div ${this.environmentsPerMember}; results in member-<i>/)`;
    const counts = rowsByMember(decision.agentId, envIndex, this.members.length).map((r) => r.length);
    return (
      `${fullName}: ${decision.length} agents of environment ${envIndex} in ${this.members.length} members: ${counts.join(", ")} ` +
      `(member = (agent id + environment index) mod ${this.members.length}; results in member-<i>/)`
    );
  }
}
