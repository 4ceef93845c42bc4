import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UnityRLCapabilitiesProto } from "../../src/protocol/generated/mlagents_envs/communicator_objects/capabilities.js";
import { allCapabilities, COMMUNICATION_API_VERSION, isVersionCompatible, TRAINER_PACKAGE_VERSION } from "../../src/protocol/versions.js";

describe("versions", () => {
  it("speaks API 1.5.0 and reports the package.json version", () => {
    expect(COMMUNICATION_API_VERSION).toBe("1.5.0");
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    expect(TRAINER_PACKAGE_VERSION).toBe(pkg.version);
  });

  it.each([
    ["1.5.0", "1.5.0", true],
    ["1.0.0", "1.5.0", true],
    ["1.9.3", "1.5.0", true],
    ["1.5", "1.5.0", true],
    ["2.0.0", "1.5.0", false],
    ["0.15.0", "1.5.0", false],
    ["0.15.0", "0.15.1", true],
    ["0.15.0", "0.16.0", false],
    ["0.1.0", "1.1.0", false],
    ["", "1.5.0", false],
    ["1", "1.5.0", false],
    ["1.5.0-beta", "1.5.0", false],
    ["v1.5.0", "1.5.0", false],
    ["1.5.0", "garbage", false],
    [" 1.5.0", "1.5.0", false],
  ])("unity %j vs trainer %j -> %s", (unity, trainer, ok) => {
    expect(isVersionCompatible(unity, trainer)).toBe(ok);
  });

  it("follows the major/minor rule for any well-formed versions", () => {
    const v = fc.tuple(fc.nat(5), fc.nat(5), fc.nat(5));
    fc.assert(fc.property(v, v, ([a, b, c], [x, y, z]) => {
      const expected = a === 0 ? a === x && b === y : a === x;
      expect(isVersionCompatible(`${a}.${b}.${c}`, `${x}.${y}.${z}`)).toBe(expected);
    }));
  });

  it("never throws on arbitrary strings", () => {
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => typeof isVersionCompatible(a, b) === "boolean"));
  });

  it("turns on all seven capabilities, each on the wire", () => {
    const caps = allCapabilities();
    expect(Object.values(caps)).toEqual(Array(7).fill(true));
    expect(Array.from(UnityRLCapabilitiesProto.encode(caps).finish())).toEqual([8, 1, 16, 1, 24, 1, 32, 1, 40, 1, 48, 1, 56, 1]);
  });
});
