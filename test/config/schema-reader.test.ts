// entryLookup: the value and key path of a mapping's entry, so that a failed read names the full
// key path and the line of the value.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import { entryLookup, SchemaReader } from "../../src/config/schema-reader.js";
import { parseYamlTree } from "../../src/config/yaml-source.js";

describe("entryLookup", () => {
  const r = new SchemaReader("cfg.yaml");
  const node = parseYamlTree("batch_size: 64\ntau: fast\n", "cfg.yaml");
  const at = entryLookup(r.map(node, "behaviors.B.hyperparameters", ["batch_size", "tau", "gamma"]), "behaviors.B.hyperparameters");

  it("gives the value and its key path, undefined for an absent key", () => {
    const x = at("batch_size")!;
    expect(x[1]).toBe("behaviors.B.hyperparameters.batch_size");
    expect(r.int(...x)).toBe(64);
    expect(at("gamma")).toBeUndefined();
  });

  it("a failed read through it names file:line and the key path", () => {
    let error: unknown;
    try {
      r.number(...at("tau")!);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain("behaviors.B.hyperparameters.tau");
    expect((error as ConfigError).message).toMatch(/cfg\.yaml:2/);
  });
});
