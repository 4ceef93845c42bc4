// How a Mix & Match component's actions and observations relate to the target's
// (Czarnecki et al. 2018, arXiv 1806.01780; docs/mix-and-match.md §2: the simple agent's actions are mapped into the
// complex agent's action space so that the mixture acts, and is distilled, in one space).
// A macro-action component picks one of N macro-actions; each stands for one full target action.

import type { MacroAction } from "../../config/index.js";
import type { ActionSpec } from "../../env/behavior-spec.js";
import { MACRO_ACTION_EDGE } from "./kl.js";

/** The macro-actions of one component as flat arrays over the target's action spec. */
export interface MacroActionTable {
  /** Number of macro-actions N (the component's single discrete branch). */
  count: number;
  /** Continuous actions of the target D; `continuous` is [N × D] row-major. */
  continuousSize: number;
  continuous: Float32Array;
  /** The target's branch sizes; `discrete` is [N × branches.length] row-major. */
  branches: readonly number[];
  discrete: Int32Array;
}

/** Flattens macro-actions already checked against `target` (check-spec.ts). */
export function macroActionTable(macros: readonly MacroAction[], target: ActionSpec): MacroActionTable {
  const d = target.continuousSize;
  const nb = target.discreteSize;
  const continuous = new Float32Array(macros.length * d);
  const discrete = new Int32Array(macros.length * nb);
  macros.forEach((m, i) => {
    continuous.set(m.continuous, i * d);
    discrete.set(m.discrete, i * nb);
  });
  return { count: macros.length, continuousSize: d, continuous, branches: [...target.discreteBranches], discrete };
}

/** The target actions [n × D] and [n × branches] that the chosen macro-actions `index` [n] stand for. */
export function mapMacroActions(table: MacroActionTable, index: Int32Array): { continuous: Float32Array; discrete: Int32Array } {
  const d = table.continuousSize;
  const nb = table.branches.length;
  const continuous = new Float32Array(index.length * d);
  const discrete = new Int32Array(index.length * nb);
  index.forEach((c, row) => {
    if (c < 0 || c >= table.count) throw new RangeError(`mapMacroActions: macro-action ${c} of ${table.count} at row ${row}`);
    continuous.set(table.continuous.subarray(c * d, (c + 1) * d), row * d);
    discrete.set(table.discrete.subarray(c * nb, (c + 1) * nb), row * nb);
  });
  return { continuous, discrete };
}

/**
 * The component's action mask [n × N] (1 = masked) from the target's [n × Σ branches]: a
 * macro-action is masked where any of the target actions it stands for is. `empty[row]` is 1 where
 * every macro-action is masked (the component cannot act there; the trainer lets the target act).
 */
export function macroActionMask(table: MacroActionTable, targetMask: Uint8Array | null, rows: number): { mask: Uint8Array; empty: Uint8Array } {
  const mask = new Uint8Array(rows * table.count);
  const empty = new Uint8Array(rows);
  const total = table.branches.reduce((a, b) => a + b, 0);
  const offsets = table.branches.map((_, b) => table.branches.slice(0, b).reduce((a, x) => a + x, 0));
  const nb = table.branches.length;
  for (let row = 0; row < rows; row++) {
    let allowed = 0;
    for (let c = 0; c < table.count; c++) {
      let masked = false;
      if (targetMask !== null && targetMask.length > 0) {
        for (let b = 0; b < nb && !masked; b++) masked = targetMask[row * total + offsets[b]! + table.discrete[c * nb + b]!] === 1;
      }
      mask[row * table.count + c] = masked ? 1 : 0;
      if (!masked) allowed++;
    }
    empty[row] = allowed === 0 ? 1 : 0;
  }
  return { mask, empty };
}

/**
 * Pre-squash values atanh(clip(m, ±MACRO_ACTION_EDGE)) [N × D] and the one-hot of each
 * macro-action's discrete values [N × Σ branches]: the constants the distillation scores the target on.
 */
export function macroActionTargets(table: MacroActionTable): { u: Float32Array; oneHot: Float32Array } {
  const u = table.continuous.map((v) => Math.atanh(Math.min(MACRO_ACTION_EDGE, Math.max(-MACRO_ACTION_EDGE, v))));
  const total = table.branches.reduce((a, b) => a + b, 0);
  const oneHot = new Float32Array(table.count * total);
  const nb = table.branches.length;
  for (let c = 0; c < table.count; c++) {
    let offset = 0;
    for (let b = 0; b < nb; b++) {
      oneHot[c * total + offset + table.discrete[c * nb + b]!] = 1;
      offset += table.branches[b]!;
    }
  }
  return { u, oneHot };
}

/** The columns `indices` of row-major observations [rows × dim], in the order listed. */
export function selectObservations(obs: Float32Array, rows: number, dim: number, indices: readonly number[]): Float32Array {
  const out = new Float32Array(rows * indices.length);
  for (let row = 0; row < rows; row++) {
    for (let j = 0; j < indices.length; j++) out[row * indices.length + j] = obs[row * dim + indices[j]!]!;
  }
  return out;
}
