// A configuration error found when a trainer is created (here: a Mix & Match macro-action outside
// Basic's action space, checked against the spec Unity announces) ends the run at once with its
// one line and exit code 1: a launched environment is not restarted, the Editor is not waited for.
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cli } from "./population/cli-child.js";
import { removeDir, tempDir } from "./helpers.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

/** config/basic-mm.yaml with its second macro-action pointing at action 3 of Basic's 3 (0..2). */
function badMacroConfig(): { dir: string; config: string; line: number } {
  const dir = tempDir("mlagents-ts-config-error-");
  dirs.push(dir);
  const lines = readFileSync("config/basic-mm.yaml", "utf8").split("\n");
  const line = lines.findIndex((l) => l.includes("{discrete: [2]}")) + 1;
  lines[line - 1] = lines[line - 1]!.replace("[2]", "[3]");
  const config = path.join(dir, "basic-mm.yaml");
  writeFileSync(config, lines.join("\n"));
  return { dir, config, line };
}

const expected = (config: string, line: number): string =>
  `[ERROR] ${config}:${line}: behaviors.Basic.mix_and_match.components[0].macro_actions[1].discrete[0]: 3 is outside branch 0 of the target, which has 3 action(s) (0..2)`;

describe("a configuration error at trainer creation", () => {
  it("ends a run with a launched environment at once, without restarting it", async () => {
    const { dir, config, line } = badMacroConfig();
    const run = cli(["learn", config, "--run-id", "bad", "--results-dir", dir, "--env", "builtin:basic", "--base-port", "0"]);
    const exit = await run.exited;
    expect(exit.code, run.output().slice(-3000)).toBe(1);
    const errors = run.output().split("\n").filter((l) => l.startsWith("[ERROR]"));
    expect(errors).toEqual([expected(config, line)]);
    expect(run.output()).not.toContain("Restarting worker");
  }, 120_000);

  it("ends a run listening for the Editor at once instead of waiting for the next Play", async () => {
    const { dir, config, line } = badMacroConfig();
    const run = cli(["learn", config, "--run-id", "bad", "--results-dir", dir, "--base-port", "0"]);
    const port = Number((await run.waitFor(/Listening on port (\d+)\./, 120_000))[1]);
    const editor = cli(["emulate", "--env", "basic", "--port", String(port)]);
    try {
      const exit = await run.exited;
      expect(exit.code, run.output().slice(-3000)).toBe(1);
    } finally {
      if (editor.proc.exitCode === null) editor.proc.kill("SIGTERM");
      await editor.exited;
    }
    expect(run.output()).toContain(expected(config, line));
    expect(run.output()).not.toContain("Waiting for the next connection");
  }, 120_000);
});
