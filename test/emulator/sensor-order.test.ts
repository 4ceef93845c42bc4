import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { compareSensorNames, sortedSensorOrder } from "../../src/emulator/sensor-order.js";

describe("sensor name order", () => {
  it("sorts Unity's usual sensor names case-insensitively", () => {
    const names = ["VectorSensor_size8", "StackingSensor_size3_VectorSensor_size8", "cameraSensor", "RayPerceptionSensor", "CameraSensor2"];
    const sorted = sortedSensorOrder(names).map((i) => names[i]);
    expect(sorted).toEqual(["cameraSensor", "CameraSensor2", "RayPerceptionSensor", "StackingSensor_size3_VectorSensor_size8", "VectorSensor_size8"]);
  });

  it("puts punctuation before digits before letters, lowercase first on ties", () => {
    expect(compareSensorNames("a_b", "a1b")).toBeLessThan(0);
    expect(compareSensorNames("a1b", "aab")).toBeLessThan(0);
    expect(compareSensorNames("abc", "ABC")).toBeLessThan(0);
    expect(compareSensorNames("abc", "abc")).toBe(0);
    expect(compareSensorNames("ab", "abc")).toBeLessThan(0);
  });

  it("is a total order: antisymmetric, transitive, case-insensitive up to ties", () => {
    const name = fc.stringMatching(/^[A-Za-z0-9_]{0,6}$/);
    fc.assert(
      fc.property(name, name, name, (a, b, c) => {
        expect(Math.sign(compareSensorNames(a, b))).toBe(-Math.sign(compareSensorNames(b, a)) || 0);
        if (compareSensorNames(a, b) <= 0 && compareSensorNames(b, c) <= 0) expect(compareSensorNames(a, c)).toBeLessThanOrEqual(0);
        if (compareSensorNames(a, b) === 0) expect(a).toBe(b);
        if (a.toLowerCase() !== b.toLowerCase()) {
          expect(Math.sign(compareSensorNames(a, b))).toBe(Math.sign(compareSensorNames(a.toLowerCase(), b.toUpperCase())));
        }
      }),
      { numRuns: 500 },
    );
  });
});
