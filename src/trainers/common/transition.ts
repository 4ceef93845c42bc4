// A batch of transitions (s, a, r, s', done) as struct-of-arrays: what the agent processor
// produces, the replay buffer stores, and the SAC update consumes.

export interface TransitionBatch {
  readonly length: number;
  /** One array per observation index, [n * prod(shape)]. */
  readonly obs: readonly Float32Array[];
  readonly nextObs: readonly Float32Array[];
  /** [n * continuousSize]: the squashed actions sent to Unity, in (-1, 1). */
  readonly continuousActions: Float32Array;
  /** [n * numBranches]. */
  readonly discreteActions: Int32Array;
  /** Environment reward of the transition (before reward-signal strength is applied). */
  readonly rewards: Float32Array;
  /** 1 = true termination (no bootstrap); 0 = continue or interrupted (bootstrap from nextObs). */
  readonly dones: Float32Array;
  /** [n * sum(branchSizes)], 1 = masked, at obs (for the policy) and at nextObs (for the target). Empty without branches. */
  readonly actionMasks: Uint8Array;
  readonly nextActionMasks: Uint8Array;
  /**
   * [n]: an integer the trainer attached to the decision (Mix & Match: the component that acted).
   * Stored by a replay buffer whose layout is `tagged`; absent or ignored otherwise.
   */
  readonly tags?: Int32Array;
}
