// Typed errors of the Mix & Match trainer. Configuration mistakes are ConfigErrors (check-spec.ts);
// these are combinations the trainer does not implement.

export class MixAndMatchUnsupportedError extends Error {
  override readonly name = "MixAndMatchUnsupportedError";

  constructor(
    readonly behaviorName: string,
    readonly what: string,
  ) {
    super(`Behavior ${behaviorName}: Mix & Match (behaviors.${behaviorName}.mix_and_match) is not implemented with ${what}`);
  }
}
