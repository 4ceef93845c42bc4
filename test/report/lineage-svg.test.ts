import { describe, expect, it } from "vitest";
import type { LineageEvent } from "../../src/report/lineage.js";
import { lineageSvg, tickSteps } from "../../src/report/lineage-svg.js";

function ev(kind: LineageEvent["kind"], member: number, step: number, source: number | null): LineageEvent {
  return { time: "", kind, behavior: "B", member, step, source, score: { member: 1, source: 2 }, old: { lr: 1 }, new: { lr: 2 } };
}

/** [attribute, value] pairs of every <g class="edge"> in document order. */
function edges(svg: string): Record<string, string>[] {
  return [...svg.matchAll(/<g class="edge"([^>]*)>/g)].map((m) => Object.fromEntries([...m[1]!.matchAll(/(data-[a-z]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])));
}

describe("lineageSvg", () => {
  const events = [ev("init", 0, 0, null), ev("init", 1, 0, null), ev("init", 2, 0, null), ev("exploit", 2, 400, 0), ev("failed", 1, 700, 0), ev("exploit", 0, 900, 1)];
  const svg = lineageSvg(events, [0, 1, 2], 1000);

  it("draws one arrow per exploit from source to member at its step, and a cross per failed attempt", () => {
    expect(edges(svg)).toEqual([
      { "data-kind": "exploit", "data-source": "0", "data-member": "2", "data-step": "400" },
      { "data-kind": "failed", "data-member": "1", "data-step": "700" },
      { "data-kind": "exploit", "data-source": "1", "data-member": "0", "data-step": "900" },
    ]);
  });

  it("places an arrow at its step on the x axis and spans the rows of source and member", () => {
    // x = 90 + step/1000 * (960 - 90 - 24); rows are 34 apart from y = 14 + 17.
    const arrow = /<g class="edge" data-kind="exploit" data-source="0" data-member="2"[^]*?<line x1="([\d.]+)" y1="([\d.]+)" x2="[\d.]+" y2="([\d.]+)"/.exec(svg)!;
    expect(Number(arrow[1])).toBeCloseTo(90 + 0.4 * 846, 1);
    expect(Number(arrow[2])).toBeCloseTo(31 + 4, 1); // just below member 0's line
    expect(Number(arrow[3])).toBeCloseTo(31 + 2 * 34 - 5, 1); // arrowhead just above member 2's line
  });

  it("labels each member's row and escapes text", () => {
    expect(svg.match(/<g class="member" data-member="(\d+)">/g)).toHaveLength(3);
    expect(svg).toContain(">member 2</text>");
    expect(svg).toContain("<title>member 2 copied member 0 at step 400; scores: 1 (member) vs 2 (source); explored to lr: 1 → 2</title>");
  });
});

describe("tickSteps", () => {
  it("chooses round steps up to the end", () => {
    expect(tickSteps(30000)).toEqual([0, 10000, 20000, 30000]);
    expect(tickSteps(1000)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(tickSteps(0)).toEqual([0]);
  });
});
