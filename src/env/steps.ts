// Batched per-behavior results of one environment step (mlagents_envs DecisionSteps/TerminalSteps).
// Struct-of-arrays: one Float32Array per observation index, [n * prod(shape)], row-major by agent.

export interface DecisionSteps {
  readonly length: number;
  readonly obs: readonly Float32Array[];
  readonly reward: Float32Array;
  readonly agentId: Int32Array;
  /** One array per discrete branch, [n * branchSize], 1 = masked (wire convention); null without branches. */
  readonly actionMask: readonly Uint8Array[] | null;
  readonly groupId: Int32Array;
  readonly groupReward: Float32Array;
}

export interface TerminalSteps {
  readonly length: number;
  readonly obs: readonly Float32Array[];
  readonly reward: Float32Array;
  /** 1 when the episode was cut by max_step_reached / EpisodeInterrupted (bootstrap), 0 for a true end. */
  readonly interrupted: Uint8Array;
  readonly agentId: Int32Array;
  readonly groupId: Int32Array;
  readonly groupReward: Float32Array;
}

/** Index of each agent id in a batch. */
export function agentIndex(steps: { readonly agentId: Int32Array }): Map<number, number> {
  const m = new Map<number, number>();
  steps.agentId.forEach((id, i) => m.set(id, i));
  return m;
}
