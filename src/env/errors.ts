// Typed errors of the environment layer. Each carries the behavior / agent it is about, and the
// message is built from those fields so one log line tells the user what went wrong and where.

/** Base class: every error thrown on purpose by src/env is an EnvError. */
export class EnvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Unity described a behavior we cannot represent (impossible action spec, unusable observation shape). */
export class BehaviorSpecError extends EnvError {
  constructor(
    readonly behaviorName: string,
    readonly problem: string,
  ) {
    super(`Invalid behavior spec for ${behaviorName}: ${problem}`);
  }
}

/**
 * One agent's step cannot be used (bad observation, NaN reward, duplicate id): the env drops that
 * step, keeps the session, and reports this error (it is not thrown).
 */
export class ObservationError extends EnvError {
  constructor(
    readonly behaviorName: string,
    readonly agentId: number,
    readonly problem: string,
  ) {
    super(`Dropped step of agent ${agentId} of behavior ${behaviorName}: ${problem}`);
  }
}

/** Compressed (PNG) observation bytes that cannot be decoded into the announced shape. */
export class PngDecodeError extends EnvError {
  constructor(readonly problem: string) {
    super(`invalid PNG observation: ${problem}`);
  }
}

/**
 * Unity sent something that makes the session unusable for a trainer (a behavior announced with an
 * invalid spec, re-announced with a different one, or agents of a behavior never announced).
 */
export class UnitySessionRefusedError extends EnvError {
  constructor(
    readonly behaviorName: string,
    readonly reason: string,
  ) {
    super(`Refusing Unity session: behavior ${behaviorName}: ${reason}`);
  }
}

/** Actions passed to setActions() that do not fit the behavior's action spec or agent count. */
export class ActionShapeError extends EnvError {
  constructor(
    readonly behaviorName: string,
    readonly problem: string,
  ) {
    super(`Invalid actions for behavior ${behaviorName}: ${problem}`);
  }
}

/** A behavior name the environment has not seen announced. */
export class UnknownBehaviorError extends EnvError {
  constructor(
    readonly behaviorName: string,
    readonly known: readonly string[],
  ) {
    super(`Unknown behavior ${behaviorName}; known behaviors: ${known.length ? known.join(", ") : "none"}`);
  }
}

/** API used in the wrong order (e.g. step() before reset(), or after close()). */
export class EnvStateError extends EnvError {
  constructor(
    readonly operation: string,
    readonly problem: string,
  ) {
    super(`Cannot ${operation}: ${problem}`);
  }
}

/** No executable found for a --env path. */
export class UnityExecutableNotFoundError extends EnvError {
  constructor(
    readonly envPath: string,
    readonly tried: readonly string[],
  ) {
    super(`Couldn't launch the environment ${envPath}: no executable found; tried ${tried.join(", ")}`);
  }
}
