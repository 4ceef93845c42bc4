import { describe, expect, it } from "vitest";
import { closestKey, ConfigError, typeError, unknownKeyError } from "../../src/config/errors.js";
import { loadRunOptions, parseRunOptions } from "../../src/config/run-options.js";
import { configError } from "./helpers.js";

describe("ConfigError", () => {
  it("builds its message from file, line and problem", () => {
    const e = unknownKeyError("batch_sise", "behaviors.3DBall.hyperparameters", ["batch_size", "buffer_size"], { fileName: "config/3dball.yaml", line: 12 });
    expect(e.message).toBe('config/3dball.yaml:12: unknown key "batch_sise" at behaviors.3DBall.hyperparameters (did you mean "batch_size"?)');
    expect(e.keyPath).toBe("behaviors.3DBall.hyperparameters.batch_sise");
    expect(e.name).toBe("ConfigError");
    expect(typeError("a.b", "a positive integer", "64x").message).toBe('a.b: expected a positive integer, got "64x"');
    expect(new ConfigError("x", "bad", { fileName: "f.yaml" }).message).toBe("f.yaml: bad");
  });

  it("suggests only close keys", () => {
    expect(closestKey("hiden_units", ["hidden_units", "num_layers"])).toBe("hidden_units");
    expect(closestKey("Normalize", ["normalize"])).toBe("normalize");
    expect(closestKey("completely_else", ["gamma", "strength"])).toBeUndefined();
  });

  it("unreadable files name the path", () => {
    const e = configError(() => loadRunOptions("config/does-not-exist.yaml"));
    expect(e.message).toMatch(/^cannot read configuration file config\/does-not-exist\.yaml: /);
  });

  it("recursive aliases are refused, not followed", () => {
    expect(configError(() => parseRunOptions("a: &x\n  b: *x\n")).message).toContain("alias *x");
  });

  it("non-map documents are refused", () => {
    expect(configError(() => parseRunOptions("- a\n- b\n")).message).toBe("line 1: top level: expected a map, got a list");
  });
});
