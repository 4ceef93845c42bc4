// Typed errors of the export layer. The message is built from the fields, so callers can log it as
// one line and tests can match on `what` instead of message text.

export class ExportError extends Error {
  override readonly name = "ExportError";
  /** Which part of the snapshot, option or model the problem is about, e.g. "body[1].inSize" or "options.opset". */
  readonly what: string;
  readonly detail: string;

  constructor(what: string, detail: string) {
    super(`Cannot export ONNX policy: ${what}: ${detail}`);
    this.what = what;
    this.detail = detail;
  }
}

/** Problems loading or running an exported policy with onnxruntime. */
export class OnnxPolicyError extends Error {
  override readonly name = "OnnxPolicyError";
  readonly what: string;
  readonly detail: string;

  constructor(what: string, detail: string) {
    super(`ONNX policy ${what}: ${detail}`);
    this.what = what;
    this.detail = detail;
  }
}
