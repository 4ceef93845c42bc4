// `pbt --redis URL --run-id X --status`: the population as its coordinator last published it in
// Redis (members, the worker of each member's segment, steps, scores), as a plain table.
import type { Redis } from "ioredis";
import type { MemberStatusLine, RunStatus } from "./distributed-state.js";
import { runStatusKey } from "./queue-names.js";

export async function readRunStatus(connection: Redis, runId: string): Promise<RunStatus | null> {
  const text = await connection.get(runStatusKey(runId));
  if (text === null) return null;
  const status = JSON.parse(text) as RunStatus;
  if (typeof status !== "object" || status === null || !Array.isArray(status.members)) throw new Error(`${runStatusKey(runId)} does not hold a run status`);
  return status;
}

export function formatRunStatus(s: RunStatus): string {
  const header = ["member", "status", "steps", "segment", "worker", "score", "last return", "hyperparameters"];
  const rows = s.members.map((m: MemberStatusLine) => [
    String(m.member),
    m.status,
    String(m.steps),
    String(m.segment),
    m.worker === null ? "-" : `${m.worker}${m.running ? " (running)" : ""}`,
    num(m.score),
    num(m.lastReturn),
    Object.entries(m.hyperparameters).map(([k, v]) => `${k}=${Number(v.toPrecision(4))}`).join(" ") || "-",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [
    `Run ${s.runId}, behavior ${s.behavior}${s.finished ? " (finished)" : ""}; updated ${s.updated}`,
    line(header),
    ...rows.map(line),
  ].join("\n");
}

function num(x: number | null): string {
  return x === null ? "-" : Number(x.toPrecision(4)).toString();
}
