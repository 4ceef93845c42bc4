import { describe, expect, it } from "vitest";
import { pinSnapshot, recordSnapshot, unpinSnapshot, unrecordSnapshot, type SnapshotTable } from "../../../src/trainers/pbt/snapshot-ledger.js";

describe("snapshot ledger", () => {
  it("releases a snapshot only when it is no record and every loader confirmed", () => {
    const t: SnapshotTable = {};
    recordSnapshot(t, "a", 1);
    pinSnapshot(t, "a", 2);
    pinSnapshot(t, "a", 3);
    expect(unrecordSnapshot(t, "a")).toEqual([]);
    expect(unpinSnapshot(t, "a", 2)).toEqual([]);
    expect(Object.keys(t)).toEqual(["a"]);
    expect(unpinSnapshot(t, "a", 3)).toEqual(["a"]);
    expect(t).toEqual({});
  });

  it("keeps a recorded snapshot after its loaders confirmed", () => {
    const t: SnapshotTable = {};
    recordSnapshot(t, "a", 1);
    pinSnapshot(t, "a", 2);
    expect(unpinSnapshot(t, "a", 2)).toEqual([]);
    expect(unrecordSnapshot(t, "a")).toEqual(["a"]);
  });

  it("refuses reused ids and confirmations nobody asked for", () => {
    const t: SnapshotTable = {};
    recordSnapshot(t, "a", 1);
    expect(() => recordSnapshot(t, "a", 2)).toThrow(/already used/);
    expect(() => unpinSnapshot(t, "a", 2)).toThrow(/was not told to load/);
    expect(() => pinSnapshot(t, "b", 2)).toThrow(/not retained/);
  });
});
