// The trainers serving one behavior name: a team of 1..N members. Each environment step of the
// behavior is split between the members acting there by agent (agent-split.ts): every member
// observes and acts for its own agents only, and the actions go back to Unity in the step's agent
// order. Members act in every environment (the Editor), or each group of members (one member, or
// pbt.members_per_environment of them) in environments of its own.
import type { TrainerSettings } from "../config/index.js";
import type { BaseEnv, BehaviorSpec } from "../env/index.js";
import { mergeActions, rowsByMember, selectDecisionRows, selectTerminalRows } from "./agent-split.js";
import type { TeamMember } from "./team-member.js";

export class BehaviorTeam {
  /** The members acting in each group of environments (environmentsPerMember set), in member order. */
  private readonly groups: readonly (readonly TeamMember[])[];

  constructor(
    readonly name: string,
    readonly spec: BehaviorSpec,
    readonly settings: TrainerSettings,
    readonly members: readonly TeamMember[],
    /**
     * Each member (each group of membersPerEnvironment consecutive members) owns this many
     * consecutive environments; null: every environment's agents are split between all members.
     */
    readonly environmentsPerMember: number | null = null,
    /** Members sharing one group's environments, whose agents are split between them by agent id. */
    readonly membersPerEnvironment = 1,
  ) {
    const k = Math.max(1, membersPerEnvironment);
    this.groups = Array.from({ length: Math.ceil(members.length / k) }, (_, g) => members.slice(g * k, (g + 1) * k));
  }

  /** The members acting for environment `envIndex`'s agents: its group's, or all when members share every environment. */
  membersIn(envIndex: number): readonly TeamMember[] {
    if (this.environmentsPerMember === null || this.members.length === 1) return this.members;
    return this.groups[Math.min(this.groups.length - 1, Math.floor(envIndex / this.environmentsPerMember))]!;
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
    return this.membersIn(envIndex).every((m) => m.trainer.isDone);
  }

  /**
   * Feeds one environment's latest steps of `fullName` to the members and sets the actions of its
   * decision agents. `deterministic` undefined: each behavior's network_settings.deterministic.
   */
  observeAndAct(env: BaseEnv, fullName: string, envIndex: number, deterministic: boolean | undefined): void {
    const [decision, terminal] = env.getSteps(fullName);
    const group = this.membersIn(envIndex);
    if (group.length === 1) {
      const trainer = group[0]!.trainer;
      trainer.observe(decision, terminal, envIndex);
      if (decision.length > 0) env.setActions(fullName, trainer.act(decision, deterministic, envIndex));
      return;
    }
    const n = group.length;
    const decisionRows = rowsByMember(decision.agentId, envIndex, n);
    const terminalRows = rowsByMember(terminal.agentId, envIndex, n);
    const parts = group.map((m, i) => {
      const mine = selectDecisionRows(decision, decisionRows[i]!);
      m.trainer.observe(mine, selectTerminalRows(terminal, terminalRows[i]!), envIndex);
      return m.trainer.act(mine, deterministic, envIndex);
    });
    if (decision.length > 0) env.setActions(fullName, mergeActions(this.spec.actionSpec, decision.length, decisionRows, parts));
  }

  /** "3DBall: 12 agents of environment 0 in 4 members: 3, 3, 3, 3" (printed when a session starts). */
  describeSplit(env: BaseEnv, fullName: string, envIndex: number): string {
    const [decision] = env.getSteps(fullName);
    const group = this.membersIn(envIndex);
    const first = group[0]!.index;
    if (group.length === 1) {
      return `${fullName}: ${decision.length} agents of environment ${envIndex} for member ${first} (member = environment index div ${this.environmentsPerMember}; results in member-<i>/)`;
    }
    const counts = rowsByMember(decision.agentId, envIndex, group.length).map((r) => r.length);
    const rule = `(agent id + environment index) mod ${group.length}`;
    if (group.length === this.members.length) {
      return `${fullName}: ${decision.length} agents of environment ${envIndex} in ${group.length} members: ${counts.join(", ")} (member = ${rule}; results in member-<i>/)`;
    }
    return (
      `${fullName}: ${decision.length} agents of environment ${envIndex} in members ${first}-${first + group.length - 1}: ${counts.join(", ")} ` +
      `(member = ${first} + ${rule}; results in member-<i>/)`
    );
  }
}
