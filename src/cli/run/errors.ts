// Typed errors of `export` and `run`: the message names the file or behavior, so the CLI prints
// one line a user can act on (no stack traces).

/** The run folder, checkpoint or its companion files cannot be used for an export. */
export class CheckpointSourceError extends Error {
  override readonly name = "CheckpointSourceError";
  constructor(
    /** The path the problem is about (run folder, behavior folder or file). */
    readonly path: string,
    readonly detail: string,
  ) {
    super(`Cannot export from ${path}: ${detail}`);
  }
}

/** The model cannot drive the environment's behavior (no matching behavior, or different shapes). */
export class PolicyMismatchError extends Error {
  override readonly name = "PolicyMismatchError";
  constructor(
    readonly model: string,
    /** Behavior name concerned, or "" when no behavior could be chosen. */
    readonly behavior: string,
    readonly detail: string,
  ) {
    super(`Model ${model} ${behavior ? `cannot drive behavior ${behavior}` : "matches no behavior of the environment"}: ${detail}`);
  }
}
