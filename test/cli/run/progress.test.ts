import { describe, expect, it } from "vitest";
import { describeProgress, RunProgress } from "../../../src/cli/run/progress.js";

describe("run progress lines", () => {
  it("prints once per interval of wall time, with the decision rate since the previous line", () => {
    const p = new RunProgress(10, 1_000);
    let reads = 0;
    const at = (decisions: number, episodes: number, mean: number | null) => () => {
      reads++;
      return { episodes, meanEpisodeReward: mean, decisions, rewardSum: decisions * 0.1 };
    };
    expect(p.poll(1_500, at(100, 0, null))).toBeNull();
    expect(p.poll(10_999, at(9_000, 0, null))).toBeNull();
    expect(reads).toBe(0); // the counts are only read when a line is due
    // 10 s after the start: 12,000 decisions in 10 s.
    expect(p.poll(11_000, at(12_000, 0, null))).toBe("10 s: 0 episodes finished, mean episode reward n/a (none finished yet), 12000 decisions (1200 decisions/s), reward per decision 0.1000.");
    expect(p.poll(15_000, at(20_000, 12, 100))).toBeNull();
    // 26 s: 36,000 - 12,000 decisions over the 15 s since the last line.
    expect(p.poll(26_000, at(36_000, 24, 99.95))).toBe("25 s: 24 episodes finished, mean episode reward 99.950, 36000 decisions (1600 decisions/s), reward per decision 0.1000.");
    expect(reads).toBe(2);
  });

  it("before any decision the reward per decision is n/a", () => {
    expect(describeProgress(1, { episodes: 0, meanEpisodeReward: null, decisions: 0, rewardSum: 0 }, 0)).toContain("reward per decision n/a.");
  });

  it("interval 0 prints nothing", () => {
    const p = new RunProgress(0, 0);
    expect(p.poll(1e9, () => ({ episodes: 1, meanEpisodeReward: 1, decisions: 1, rewardSum: 1 }))).toBeNull();
  });

  it("formats the elapsed time, counts and rate", () => {
    expect(describeProgress(9.6, { episodes: 3, meanEpisodeReward: -0.5, decisions: 7, rewardSum: -1.4 }, 0.7)).toBe(
      "10 s: 3 episodes finished, mean episode reward -0.500, 7 decisions (1 decisions/s), reward per decision -0.2000.",
    );
  });
});
