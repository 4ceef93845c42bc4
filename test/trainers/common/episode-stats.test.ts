import { describe, expect, it } from "vitest";
import { EpisodeStats, mean, std } from "../../../src/trainers/common/episode-stats.js";

describe("EpisodeStats", () => {
  it("reports mean, population std and mean length, then starts a new period", () => {
    const s = new EpisodeStats();
    s.record(1, 10);
    s.record(3, 20);
    s.record(8, 30);
    const d = s.drain()!;
    expect(d.count).toBe(3);
    expect(d.meanReward).toBeCloseTo(4);
    expect(d.stdReward).toBeCloseTo(Math.sqrt((9 + 1 + 16) / 3)); // numpy std, ddof = 0
    expect(d.meanLength).toBe(20);
    expect(s.drain()).toBeNull();
    expect(s.totalEpisodes).toBe(3);
  });

  it("keeps a window of recent rewards across drains and through its state", () => {
    const s = new EpisodeStats(3);
    for (let i = 1; i <= 5; i++) s.record(i, 1);
    s.drain();
    expect(s.recentMeanReward()).toBeCloseTo(4);
    expect(s.recentMeanReward(2)).toBeCloseTo(4.5);
    const copy = new EpisodeStats(3);
    copy.setState(s.getState());
    expect(copy.totalEpisodes).toBe(5);
    expect(copy.recentMeanReward()).toBeCloseTo(4);
    expect(copy.drain()).toBeNull();
  });

  it("mean/std of nothing is NaN", () => {
    expect(mean([])).toBeNaN();
    expect(std([])).toBeNaN();
  });
});
