// Truncation selection with a significance check (Jaderberg et al. 2017 §3 "exploit", §A.1
// "truncation selection" and "t-test selection"): members are ranked by their recorded scores, a
// member of the bottom quantile may copy a member of the top quantile, and does so only when the
// source is better by a relative margin and by a one-sided Welch t-test. docs/pbt.md has the rule.

import { mean, welchTTest } from "./welch-test.js";

export interface ScoredMember {
  id: number;
  /** Mean of `episodes`. */
  score: number;
  /** The episode returns behind the score. */
  episodes: readonly number[];
}

export interface Quantiles {
  /** Ids of the lowest-scored members, worst first. */
  bottom: number[];
  /** Ids of the highest-scored members, best first. */
  top: number[];
}

/**
 * Bottom and top quantiles of `members`: ceil(n × fraction) each (Ray Tune's count), at most
 * floor(n / 2) so the two never overlap; empty with fewer than two members. Ties rank by id.
 */
export function quantiles(members: readonly ScoredMember[], fraction: number): Quantiles {
  const n = members.length;
  const k = Math.min(Math.floor(n / 2), Math.ceil(n * fraction));
  if (k === 0) return { bottom: [], top: [] };
  const ranked = [...members].sort((a, b) => a.score - b.score || a.id - b.id).map((m) => m.id);
  return { bottom: ranked.slice(0, k), top: ranked.slice(n - k).reverse() };
}

export interface ReplacementCriteria {
  /** The source's mean must exceed the member's by this fraction of |member mean|. */
  relative_margin: number;
  /** p must be below this; 1 or more turns the t-test off. */
  significance: number;
}

export interface ReplacementVerdict {
  replace: boolean;
  memberMean: number;
  sourceMean: number;
  /** One-sided Welch p-value (source > member); null when the test was off or could not run. */
  pValue: number | null;
}

/**
 * Whether `member` should be replaced by `source`: mean(source) > mean(member) + margin × |mean(member)|
 * and, unless turned off, Welch's p < significance. Fewer than two episodes on a side: no replacement.
 */
export function shouldReplace(member: readonly number[], source: readonly number[], criteria: ReplacementCriteria): ReplacementVerdict {
  const memberMean = mean(member);
  const sourceMean = mean(source);
  const clearGap = sourceMean > memberMean + criteria.relative_margin * Math.abs(memberMean);
  if (criteria.significance >= 1) return { replace: clearGap, memberMean, sourceMean, pValue: null };
  if (member.length < 2 || source.length < 2) return { replace: false, memberMean, sourceMean, pValue: null };
  const { pValue } = welchTTest(source, member);
  return { replace: clearGap && pValue < criteria.significance, memberMean, sourceMean, pValue };
}
