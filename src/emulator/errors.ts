// Typed errors of the emulator layer; messages name the address, behavior or agent involved.

export class EmulatorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** No trainer answered (Unity would log this and fall back to inference). */
export class TrainerUnreachableError extends EmulatorError {
  constructor(
    readonly address: string,
    readonly detail: string,
  ) {
    super(`Couldn't connect to trainer on ${address} using API version 1.5.0 (${detail}). Is the trainer listening?`);
  }
}

/** The trainer's handshake replies broke a rule of docs/protocol.md §2.3. */
export class HandshakeError extends EmulatorError {}

/** The trainer sent something Unity would choke on (wrong action count, unknown behavior, bad blob). */
export class EmulatorProtocolError extends EmulatorError {}

export class UnknownEnvironmentError extends EmulatorError {
  constructor(
    readonly requested: string,
    readonly known: readonly string[],
  ) {
    super(`Unknown built-in environment "${requested}". Known environments: ${known.join(", ")}.`);
  }
}
