// Typed reads of YAML tree nodes with strict checks. Every failure is a ConfigError naming the key
// path and the line of the offending value; unknown map keys are errors with a "did you mean".

import { ConfigError, joinPath, typeError, unknownKeyError, type ConfigLocation } from "./errors.js";
import type { YEntry, YMap, YNode } from "./yaml-source.js";

export interface IntRange {
  min?: number;
  max?: number;
}

export interface NumberRange {
  min?: number;
  max?: number;
  /** true: value must be strictly greater than min. */
  minExclusive?: boolean;
  /** true: value must be strictly less than max. */
  maxExclusive?: boolean;
}

export class SchemaReader {
  constructor(readonly fileName?: string) {}

  at(line: number | undefined): ConfigLocation {
    const out: ConfigLocation = {};
    if (this.fileName !== undefined) out.fileName = this.fileName;
    if (line !== undefined) out.line = line;
    return out;
  }

  /** Checks `node` is a map whose keys are all in `allowed`; returns its entries by key. */
  map(node: YNode, path: string, allowed: readonly string[]): Map<string, YEntry> {
    const m = this.anyMap(node, path);
    const out = new Map<string, YEntry>();
    for (const entry of m.entries) {
      if (!allowed.includes(entry.key)) throw unknownKeyError(entry.key, path, allowed, this.at(entry.keyLine ?? m.line));
      out.set(entry.key, entry);
    }
    return out;
  }

  /** A map with free-form keys (behavior names, parameter names). */
  anyMap(node: YNode, path: string): YMap {
    if (node.kind !== "map") throw typeError(path || "top level", "a map", plain(node), this.at(node.line));
    return node;
  }

  int(node: YNode, path: string, range: IntRange = {}): number {
    const expected = describeIntRange(range);
    const v = node.kind === "scalar" ? node.value : plain(node);
    // Integers may be written as floats (ML-Agents accepts max_steps: 5.0e5) but must be integral.
    if (typeof v !== "number" || !Number.isSafeInteger(v)) throw typeError(path, expected, v, this.at(node.line));
    if ((range.min !== undefined && v < range.min) || (range.max !== undefined && v > range.max)) {
      throw typeError(path, expected, v, this.at(node.line));
    }
    return v;
  }

  number(node: YNode, path: string, range: NumberRange = {}): number {
    const expected = describeNumberRange(range);
    const v = node.kind === "scalar" ? node.value : plain(node);
    if (typeof v !== "number" || !Number.isFinite(v)) throw typeError(path, expected, v, this.at(node.line));
    const { min, max } = range;
    const belowMin = min !== undefined && (range.minExclusive ? v <= min : v < min);
    const aboveMax = max !== undefined && (range.maxExclusive ? v >= max : v > max);
    if (belowMin || aboveMax) throw typeError(path, expected, v, this.at(node.line));
    return v;
  }

  bool(node: YNode, path: string): boolean {
    const v = node.kind === "scalar" ? node.value : plain(node);
    if (typeof v !== "boolean") throw typeError(path, "true or false", v, this.at(node.line));
    return v;
  }

  string(node: YNode, path: string): string {
    const v = node.kind === "scalar" ? node.value : plain(node);
    if (typeof v !== "string" || v === "") throw typeError(path, "a non-empty string", v, this.at(node.line));
    return v;
  }

  nullableString(node: YNode, path: string): string | null {
    return isNull(node) ? null : this.string(node, path);
  }

  oneOf<T extends string>(node: YNode, path: string, values: readonly T[]): T {
    const v = node.kind === "scalar" ? node.value : plain(node);
    if (typeof v !== "string" || !(values as readonly string[]).includes(v)) {
      throw typeError(path, `one of ${values.join(", ")}`, v, this.at(node.line));
    }
    return v as T;
  }

  stringList(node: YNode, path: string): string[] {
    if (node.kind !== "seq") throw typeError(path, "a list of strings", plain(node), this.at(node.line));
    // Arguments may be empty strings; only the type is checked.
    return node.items.map((item, i) => {
      const v = item.kind === "scalar" ? item.value : plain(item);
      if (typeof v !== "string") throw typeError(joinPath(path, i), "a string", v, this.at(item.line));
      return v;
    });
  }

  required(entries: Map<string, YEntry>, key: string, path: string, parentLine: number | undefined): YEntry {
    const entry = entries.get(key);
    if (entry === undefined) throw new ConfigError(joinPath(path, key), `${path}: missing required key "${key}"`, this.at(parentLine));
    return entry;
  }
}

/**
 * Looks up the entries of a mapping read at `path`: the value and key path of `key`, ready to
 * spread into a SchemaReader read (`r.int(...x)`), or undefined when the key is absent.
 */
export function entryLookup(entries: ReadonlyMap<string, YEntry>, path: string): (key: string) => [YNode, string] | undefined {
  return (key) => {
    const e = entries.get(key);
    return e === undefined ? undefined : [e.value, joinPath(path, key)];
  };
}

export function isNull(node: YNode | undefined): boolean {
  return node === undefined || (node.kind === "scalar" && node.value === null);
}

/** Enough of a node's value to describe it in an error. */
export function plain(node: YNode): unknown {
  if (node.kind === "scalar") return node.value;
  return node.kind === "seq" ? [] : {};
}

function describeIntRange({ min, max }: IntRange): string {
  if (min === 1 && max === undefined) return "a positive integer";
  if (min === 0 && max === undefined) return "a non-negative integer";
  if (min !== undefined && max !== undefined) return `an integer in [${min}, ${max}]`;
  if (min !== undefined) return `an integer >= ${min}`;
  if (max !== undefined) return `an integer <= ${max}`;
  return "an integer";
}

function describeNumberRange({ min, max, minExclusive, maxExclusive }: NumberRange): string {
  if (min !== undefined && max !== undefined) {
    return `a number in ${minExclusive ? "(" : "["}${min}, ${max}${maxExclusive ? ")" : "]"}`;
  }
  if (min !== undefined) return min === 0 && minExclusive ? "a positive number" : `a number ${minExclusive ? ">" : ">="} ${min}`;
  if (max !== undefined) return `a number ${maxExclusive ? "<" : "<="} ${max}`;
  return "a number";
}
