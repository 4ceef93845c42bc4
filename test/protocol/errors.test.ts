import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import {
  CommunicatorClosedError,
  IncompatibleVersionError,
  MalformedMessageError,
  MessageTooLargeError,
  PortInUseError,
  ProtocolError,
  SideChannelError,
  toGrpcStatus,
  UnityStoppedError,
  UnityTimeoutError,
} from "../../src/protocol/errors.js";

describe("protocol errors", () => {
  it("build their messages from their fields and carry a gRPC status", () => {
    const cases: [ProtocolError, RegExp, status][] = [
      [new UnityStoppedError("status-400"), /status 400/, status.UNAVAILABLE],
      [new UnityStoppedError("replaced"), /replaced by a newer Unity connection/, status.UNAVAILABLE],
      [new UnityTimeoutError(60), /within 60 s.*--timeout-wait/, status.DEADLINE_EXCEEDED],
      [new IncompatibleVersionError("2.1.0", "1.5.0"), /trainer API 1\.5\.0, Unity API "2\.1\.0".*version 1\.x.*upgrade mlagents-ts/, status.FAILED_PRECONDITION],
      [new PortInUseError(5005), /port 5005 is already in use.*--base-port/, status.UNAVAILABLE],
      [new MessageTooLargeError(5_000_000, 4 * 1024 * 1024), /5000000 bytes.*4194304 bytes \(4\.0 MiB\).*--max-message-mb/, status.RESOURCE_EXHAUSTED],
      [new MalformedMessageError("no unity_output"), /Malformed message from Unity: no unity_output/, status.INVALID_ARGUMENT],
      [new SideChannelError("bad length", 20), /at byte offset 20: bad length/, status.INVALID_ARGUMENT],
      [new CommunicatorClosedError(), /closed/, status.UNAVAILABLE],
    ];
    for (const [err, text, code] of cases) {
      expect(err).toBeInstanceOf(ProtocolError);
      expect(err.message).toMatch(text);
      expect(err.grpcCode).toBe(code);
      expect(err.name).toBe(err.constructor.name);
      expect(toGrpcStatus(err)).toEqual({ code, details: err.message });
    }
  });

  it("maps unknown throws to INTERNAL", () => {
    expect(toGrpcStatus(new Error("boom"))).toEqual({ code: status.INTERNAL, details: "boom" });
    expect(toGrpcStatus("x")).toEqual({ code: status.INTERNAL, details: "x" });
  });
});
