// Parses YAML text into a small ordered tree that remembers the line of every key and value, so
// the validators can name file:line in their errors. Map order is kept as written (plain JS objects
// would move integer-like keys such as "2" first, and environment-parameter seed offsets depend on
// config order).

import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from "yaml";
import { ConfigError, type ConfigLocation } from "./errors.js";

export type YNode = YMap | YSeq | YScalar;

export interface YMap {
  kind: "map";
  entries: YEntry[];
  line?: number;
}
export interface YEntry {
  key: string;
  keyLine?: number;
  value: YNode;
}
export interface YSeq {
  kind: "seq";
  items: YNode[];
  line?: number;
}
export interface YScalar {
  kind: "scalar";
  /** number, string, boolean or null (anything else a custom tag produced is kept and rejected later). */
  value: unknown;
  line?: number;
}

/** Upper bound on nodes visited, so alias bombs ("billion laughs") fail fast instead of exhausting memory. */
const maxNodes = 100_000;

/** Parses one YAML document. An empty document is an empty map. */
export function parseYamlTree(text: string, fileName?: string): YNode {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, version: "1.2", prettyErrors: true });
  const firstError = doc.errors[0];
  if (firstError !== undefined) {
    const line = firstError.linePos?.[0]?.line;
    const summary = firstError.message.split("\n")[0] ?? "invalid YAML";
    throw new ConfigError("", `invalid YAML: ${summary}`, location(fileName, line));
  }
  const converter = new Converter(doc, lineCounter, fileName);
  const root = doc.contents;
  if (root === null || root === undefined) return { kind: "map", entries: [], line: 1 };
  const tree = converter.convert(root as YamlNode);
  if (tree.kind === "scalar" && tree.value === null) return { kind: "map", entries: [], line: 1 };
  return tree;
}

class Converter {
  private visited = 0;
  /** Alias.resolve() searches the whole document; resolve each alias node once. */
  private readonly aliasTargets = new Map<YamlNode, YamlNode | undefined>();
  private readonly open = new Set<YamlNode>();

  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly fileName: string | undefined,
  ) {}

  convert(node: YamlNode | null | undefined, fallbackLine?: number): YNode {
    if (++this.visited > maxNodes) {
      throw new ConfigError("", `YAML document expands to more than ${maxNodes} nodes (alias loop or bomb?)`, location(this.fileName, fallbackLine));
    }
    if (node === null || node === undefined) return { kind: "scalar", value: null, line: fallbackLine };
    const line = this.lineOf(node) ?? fallbackLine;
    if (isAlias(node)) {
      if (!this.aliasTargets.has(node)) this.aliasTargets.set(node, node.resolve(this.doc) as YamlNode | undefined);
      const target = this.aliasTargets.get(node);
      if (target === undefined) throw new ConfigError("", `unresolved alias *${node.source}`, location(this.fileName, line));
      if (this.open.has(target)) throw new ConfigError("", `alias *${node.source} refers to a node that contains it`, location(this.fileName, line));
      return this.convert(target, line);
    }
    if (isScalar(node)) return { kind: "scalar", value: node.value, line };
    if (isSeq(node) || isMap(node)) {
      // Collections being converted: an alias back into one of them would recurse forever.
      this.open.add(node);
      try {
        if (isSeq(node)) return { kind: "seq", items: node.items.map((item) => this.convert(item as YamlNode, line)), line };
        return this.convertMap(node.items, line);
      } finally {
        this.open.delete(node);
      }
    }
    throw new ConfigError("", "unsupported YAML node", location(this.fileName, line));
  }

  private convertMap(pairs: readonly { key: unknown; value: unknown }[], line: number | undefined): YMap {
    const entries: YEntry[] = [];
    const merged: YEntry[] = [];
    for (const pair of pairs) {
      const keyNode = pair.key as YamlNode | null;
      const keyLine = keyNode ? (this.lineOf(keyNode) ?? line) : line;
      const key = this.keyText(keyNode, keyLine);
      const value = this.convert(pair.value as YamlNode | null, keyLine);
      if (key === "<<" && !(isScalar(keyNode) && keyNode.type !== "PLAIN")) {
        merged.push(...this.mergeSources(value, keyLine));
        continue;
      }
      if (entries.some((e) => e.key === key)) {
        throw new ConfigError(key, `duplicate key "${key}"`, location(this.fileName, keyLine));
      }
      entries.push({ key, keyLine, value });
    }
    // YAML merge keys (<<: *base): explicit keys win over merged ones, the first merge source wins among them.
    for (const entry of merged) {
      if (!entries.some((e) => e.key === entry.key)) entries.push(entry);
    }
    return { kind: "map", entries, line };
  }

  private mergeSources(value: YNode, line: number | undefined): YEntry[] {
    const sources = value.kind === "seq" ? value.items : [value];
    const out: YEntry[] = [];
    for (const source of sources) {
      if (source.kind !== "map") throw new ConfigError("<<", "merge key << needs a map or a list of maps", location(this.fileName, line));
      for (const entry of source.entries) if (!out.some((e) => e.key === entry.key)) out.push(entry);
    }
    return out;
  }

  private keyText(keyNode: YamlNode | null, line: number | undefined): string {
    if (keyNode === null) return "";
    if (isScalar(keyNode)) {
      const v = keyNode.value;
      if (v === null) return "";
      if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return String(v);
    }
    throw new ConfigError("", "map keys must be plain strings", location(this.fileName, line));
  }

  private lineOf(node: YamlNode): number | undefined {
    const start = node.range?.[0];
    return start === undefined ? undefined : this.lines.linePos(start).line;
  }
}

function location(fileName: string | undefined, line: number | undefined): ConfigLocation {
  const out: ConfigLocation = {};
  if (fileName !== undefined) out.fileName = fileName;
  if (line !== undefined) out.line = line;
  return out;
}

/** Builds a line-less tree from plain data (used to merge defaulted settings under YAML entries). */
export function treeFromValue(value: unknown): YNode {
  if (Array.isArray(value)) return { kind: "seq", items: value.map(treeFromValue) };
  if (value instanceof Map) {
    return { kind: "map", entries: [...value].map(([k, v]) => ({ key: String(k), value: treeFromValue(v) })) };
  }
  if (value !== null && typeof value === "object") {
    return { kind: "map", entries: Object.entries(value).map(([k, v]) => ({ key: k, value: treeFromValue(v) })) };
  }
  return { kind: "scalar", value: value === undefined ? null : value };
}

/** ML-Agents' deep_update_dict: `over` wins, nested maps merge key by key. */
export function deepMerge(base: YMap, over: YMap): YMap {
  const entries: YEntry[] = base.entries.map((e) => ({ ...e }));
  for (const entry of over.entries) {
    const index = entries.findIndex((e) => e.key === entry.key);
    if (index < 0) {
      entries.push(entry);
      continue;
    }
    const previous = entries[index]!.value;
    entries[index] = previous.kind === "map" && entry.value.kind === "map" ? { ...entry, value: deepMerge(previous, entry.value) } : entry;
  }
  return { kind: "map", entries, line: over.line ?? base.line };
}
