// Typed errors of the report layer: the message names the folder or file a person has to look at.

export class ReportError extends Error {
  override readonly name = "ReportError";
  /** The run folder or file the problem is about. */
  readonly path: string;

  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.path = path;
  }
}
