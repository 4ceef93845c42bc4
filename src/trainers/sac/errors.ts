// Errors of the SAC trainer core. Messages name the setting or state field at fault.

/** A network_settings value this trainer does not implement yet (vis_encode_type, memory). */
export class SacNotSupportedError extends Error {
  constructor(
    readonly key: string,
    readonly value: string,
  ) {
    super(`network_settings.${key}: ${value} is not supported yet by the mlagents-ts SAC trainer`);
    this.name = "SacNotSupportedError";
  }
}

/** A saved or copied SAC state that does not fit this model. */
export class SacStateError extends Error {
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`SAC state ${field}: ${detail}`);
    this.name = "SacStateError";
  }
}

/**
 * An engine was asked for where it cannot run: fast on another backend or with visual observations,
 * fast or tape on WebGPU (they read synchronously).
 */
export class SacEngineUnavailableError extends Error {
  constructor(
    readonly engine: "fast" | "tape",
    reason: string,
    instead: "tape" | "gpu",
  ) {
    super(`the ${engine} SAC engine cannot run here: ${reason}; use the ${instead} engine (engine "${instead}" or "auto")`);
    this.name = "SacEngineUnavailableError";
  }
}
