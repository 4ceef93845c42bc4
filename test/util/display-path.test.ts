import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { displayPath } from "../../src/util/display-path.js";

describe("displayPath", () => {
  it("is relative inside the working folder and absolute outside it", () => {
    expect(displayPath(path.join(process.cwd(), "results", "r", "3DBall.onnx"))).toBe(path.join("results", "r", "3DBall.onnx"));
    const outside = path.resolve(process.cwd(), "..", "elsewhere", "x.onnx");
    expect(displayPath(outside)).toBe(outside);
    expect(displayPath(process.cwd())).toBe(process.cwd());
  });
});
