import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import fc from "fast-check";
import { afterAll, describe, expect, it, vi } from "vitest";
import { registerRun } from "../../../src/cli/commands/run.js";
import { PolicyMismatchError } from "../../../src/cli/run/errors.js";
import { behaviorNamesFromFile, checkModelFitsSpec, chooseBehavior } from "../../../src/cli/run/match-behavior.js";
import { describeRunReport } from "../../../src/cli/run/run-policy.js";
import { ActionSpec, DimensionProperty, ObservationType, type BehaviorSpec } from "../../../src/env/index.js";
import { exportActorToOnnx } from "../../../src/export/index.js";
import { BASIC_SIZE } from "../../../src/emulator/environments/basic.js";
import { runAgainstEmulator } from "../../export/helpers/emulated-run.js";
import { randomActorSnapshot } from "../../export/helpers/random-snapshot.js";

const dir = mkdtempSync(path.join(tmpdir(), "mlagents-ts-run-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A Basic policy (obs [20], one branch of 3) whose most likely action is always `action`. */
function basicModel(file: string, action: number, obsSize = BASIC_SIZE): string {
  const s = randomActorSnapshot({ seed: 3, observationShapes: [[obsSize]], hiddenUnits: 8, branchSizes: [3] });
  const head = s.discrete!.heads[0]!;
  head.kernel.fill(0);
  head.bias.fill(0);
  head.bias[action] = 4; // softmax ≈ 0.96 on `action`: stochastic runs still mostly take it
  const p = path.join(dir, file);
  writeFileSync(p, exportActorToOnnx(s, [[obsSize]]));
  return p;
}

function spec(shapes: number[][], actions: ActionSpec): BehaviorSpec {
  return {
    observationSpecs: shapes.map((shape) => ({ name: "s", shape, dimensionProperties: shape.map(() => DimensionProperty.NONE), observationType: ObservationType.DEFAULT })),
    actionSpec: actions,
  };
}

describe("matching a model to the environment's behaviors", () => {
  it("reads the behavior from <Name>.onnx and <Name>-<step>.onnx", () => {
    expect(behaviorNamesFromFile("/x/3DBall.onnx")).toEqual(["3DBall"]);
    expect(behaviorNamesFromFile("results/r/3DBall/3DBall-90000.onnx")).toEqual(["3DBall-90000", "3DBall"]);
    expect(behaviorNamesFromFile("my-model.ONNX")).toEqual(["my-model"]);
  });

  it("picks the named behavior (all its teams), else the only one, else refuses", () => {
    expect(chooseBehavior("Basic.onnx", ["3DBall?team=0", "Basic?team=0", "Basic?team=1"])).toEqual({ name: "Basic", fullNames: ["Basic?team=0", "Basic?team=1"] });
    expect(chooseBehavior("models/3dball.onnx", ["3DBall?team=0"])).toEqual({ name: "3DBall", fullNames: ["3DBall?team=0"] });
    expect(() => chooseBehavior("models/3dball.onnx", ["3DBall?team=0", "Basic?team=0"])).toThrow(/behaviors 3DBall, Basic; name the model <Behavior>\.onnx/);
    expect(() => chooseBehavior("a.onnx", [])).toThrow(PolicyMismatchError);
  });

  it("never picks a behavior the environment does not have (property)", () => {
    const name = fc.stringMatching(/^[A-Za-z0-9 _-]{1,12}$/);
    fc.assert(
      fc.property(name, fc.uniqueArray(name, { maxLength: 4 }), fc.nat(3), (file, names, team) => {
        const full = names.map((n) => `${n}?team=${team}`);
        try {
          const c = chooseBehavior(`${file}.onnx`, full);
          expect(names).toContain(c.name);
          expect(c.fullNames).toEqual([`${c.name}?team=${team}`]);
          if (names.length > 1) expect(behaviorNamesFromFile(`${file}.onnx`)).toContain(c.name);
        } catch (e) {
          expect(e).toBeInstanceOf(PolicyMismatchError);
          expect(names.length === 1).toBe(false);
        }
      }),
    );
  });

  it("refuses a model whose observations or actions differ from the behavior's", () => {
    const model = { inputs: [{ name: "obs_0", shape: [8] }], continuousSize: 2, discreteBranches: [] };
    expect(() => checkModelFitsSpec("m.onnx", "3DBall", model, spec([[8]], ActionSpec.continuous(2)))).not.toThrow();
    expect(() => checkModelFitsSpec("m.onnx", "3DBall", model, spec([[9]], ActionSpec.continuous(2)))).toThrow(
      "Model m.onnx cannot drive behavior 3DBall: observation 0 has shape [9] but the model's obs_0 is [8]",
    );
    expect(() => checkModelFitsSpec("m.onnx", "B", model, spec([[8]], ActionSpec.continuous(3)))).toThrow(/3 continuous action\(s\), the model 2/);
    expect(() => checkModelFitsSpec("m.onnx", "B", model, spec([[8]], new ActionSpec(2, [3])))).toThrow(/discrete branches are \[3\], the model's \[\]/);
    const two = { inputs: [{ name: "obs_0", shape: [8] }, { name: "obs_1", shape: [3] }], continuousSize: 2, discreteBranches: [] };
    expect(() => checkModelFitsSpec("m.onnx", "B", two, spec([[8]], ActionSpec.continuous(2)))).toThrow(/reads obs_1 but the behavior has 1 observation/);
  });
});

describe("runPolicy against the built-in emulator (real protocol)", () => {
  it("drives Basic with the model: always-right earns 0.93 per episode, always-left 0.07", async () => {
    const right = await runAgainstEmulator(basicModel("Basic.onnx", 2), "basic", { episodes: 5 });
    expect(right.report.exitCode).toBe(0);
    expect(right.report.behavior).toBe("Basic");
    expect(right.report.episodes).toBe(5);
    expect(right.report.meanEpisodeReward).toBeCloseTo(0.93, 5);
    // 7 moves per episode, one agent; the loop stops after acting on the 6th episode's first decision.
    expect(right.report.decisions).toBe(5 * 7 + 1);
    expect(right.lines.some((l) => /^\[INFO\] Listening on port \d+\. Start inference by pressing the Play button/.test(l))).toBe(true);
    expect(right.emulator?.reason).toBe("trainer-closed");

    const left = await runAgainstEmulator(basicModel("left.onnx", 1), "basic", { steps: 30 });
    expect(left.report.exitCode).toBe(0);
    expect(left.report.steps).toBe(30);
    expect(left.report.episodes).toBe(9); // 3 moves each; the 10th has made 2 moves (-0.02)
    expect(left.report.meanEpisodeReward).toBeCloseTo(0.07, 5);
    expect(left.report.meanRewardPerDecision).toBeCloseTo((9 * 0.07 - 0.02) / 30, 5);
  });

  it("stochastic actions sample: a 96%-right policy still mostly reaches the large goal", async () => {
    const r = await runAgainstEmulator(basicModel("Basic.onnx", 2), "basic", { episodes: 20, deterministic: false });
    expect(r.report.exitCode).toBe(0);
    expect(r.report.meanEpisodeReward!).toBeGreaterThan(0.5);
    // Some step was not "right": more than 7 decisions per episode on average.
    expect(r.report.decisions).toBeGreaterThan(20 * 7);
  });

  it("refuses a model that does not fit the environment, with exit code 1 and one clear line", async () => {
    const r = await runAgainstEmulator(basicModel("Basic.onnx", 2, 8), "basic", { steps: 5 });
    expect(r.report.exitCode).toBe(1);
    expect(r.report.steps).toBe(0);
    expect(r.report.behavior).toBeNull();
    expect(r.lines).toContain("[ERROR] Model Basic.onnx cannot drive behavior Basic: observation 0 has shape [20] but the model's obs_0 is [8]");
  });

  it("describes the report in the lines the command prints", () => {
    const lines = describeRunReport({ exitCode: 0, behavior: "Basic", steps: 70, decisions: 70, episodes: 10, meanEpisodeReward: 0.93, meanRewardPerDecision: 0.1329, seconds: 2 });
    expect(lines[0]).toBe("Basic: 70 steps, 70 decisions in 2.00 s (35 decisions/s).");
    expect(lines[1]).toBe("Episodes finished: 10. Mean episode reward: 0.930. Mean reward per decision: 0.1329.");
  });
});

describe("mlagents-ts run (command)", () => {
  it("launches builtin:basic, prints the mean episode reward and exits 0", async () => {
    let exitCode: number | undefined;
    const p = new Command("mlagents-ts").exitOverride();
    registerRun(p, (c) => (exitCode = c));
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      // Port 0: the server takes a free port and passes it to the launched emulator.
      await p.parseAsync(["node", "mlagents-ts", "run", basicModel("Basic.onnx", 2), "--env", "builtin:basic", "--base-port", "0", "--deterministic", "--episodes", "3"]);
    } finally {
      spy.mockRestore();
    }
    expect(exitCode).toBe(0);
    const text = out.join("");
    expect(text).toMatch(/Basic: \d+ steps, 22 decisions in [\d.]+ s \(\d+ decisions\/s\)\./);
    expect(text).toContain("Episodes finished: 3. Mean episode reward: 0.930.");
  }, 120_000); // a failure bound only
});

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** The CLI as a user runs it, in its own process; `waitFor` resolves once `count` stdout lines match. */
function runCli(args: string[]) {
  const proc = spawn(process.execPath, [path.join(ROOT, "bin", "mlagents-ts.js"), ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let waiters: (() => boolean)[] = [];
  let buffered = "";
  let stderr = "";
  proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  proc.stdout.on("data", (d: Buffer) => {
    buffered += d.toString();
    const complete = buffered.split("\n");
    buffered = complete.pop()!;
    lines.push(...complete);
    waiters = waiters.filter((done) => !done());
  });
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  const waitFor = (re: RegExp, count = 1): Promise<string[]> => {
    const matching = (): string[] => lines.filter((l) => re.test(l));
    return Promise.race([
      new Promise<string[]>((resolve) => {
        const done = (): boolean => matching().length >= count && (resolve(matching()), true);
        if (!done()) waiters.push(done);
      }),
      exited.then((code) => Promise.reject(new Error(`exited (${code}) before ${count} line(s) matching ${re}:\n${lines.join("\n")}\n${stderr}`))),
    ]);
  };
  return { proc, lines, exited, waitFor, stderr: () => stderr };
}

const PROGRESS_LINE = /^\[INFO\] \d+ s: \d+ episodes finished, mean episode reward (n\/a \(none finished yet\)|-?[\d.]+), \d+ decisions \(\d+ decisions\/s\), reward per decision (n\/a|-?\d+\.\d{4})\.$/;

describe("mlagents-ts run (process)", () => {
  it("prints a progress line at the interval while it runs, and the totals on Ctrl+C", async () => {
    const cli = runCli(["run", basicModel("Basic.onnx", 2), "--env", "builtin:basic", "--base-port", "0", "--progress-seconds", "1"]);
    try {
      await cli.waitFor(/runs until Ctrl\+C/);
      // The progress is steady, not a one-off: a second line follows, later in the run.
      const [first, second] = await cli.waitFor(PROGRESS_LINE, 2);
      expect(Number(/\] (\d+) s:/.exec(second!)![1])).toBeGreaterThan(Number(/\] (\d+) s:/.exec(first!)![1]));
      cli.proc.kill("SIGINT");
      expect(await cli.exited).toBe(0);
    } finally {
      cli.proc.kill("SIGKILL");
    }
    const text = cli.lines.join("\n");
    expect(text).toMatch(/^Basic: \d+ steps, \d+ decisions in [\d.]+ s \(\d+ decisions\/s\)\.$/m);
    expect(text).toMatch(/^Episodes finished: [1-9]\d*\. Mean episode reward: 0\.\d{3}\./m);
  }, 120_000);

  it("the README's `run` example ends by itself and prints the totals", async () => {
    const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
    const example = /`node bin\/mlagents-ts\.js (run models\/3dball\.onnx --env builtin:3dball[^`]*)`/.exec(readme);
    expect(example, "README has the run example").not.toBeNull();
    const args = example![1]!.split(/\s+/);
    expect(args).toContain("--episodes"); // else it would run until Ctrl+C
    // Only the port differs from what a person pastes: tests never take fixed ports.
    const cli = runCli([...args, "--base-port", "0"]);
    try {
      expect(await cli.exited, cli.stderr()).toBe(0);
    } finally {
      cli.proc.kill("SIGKILL");
    }
    const episodes = Number(args[args.indexOf("--episodes") + 1]);
    const totals = cli.lines.find((l) => l.startsWith("Episodes finished:"));
    expect(totals, cli.lines.join("\n")).toMatch(new RegExp(`^Episodes finished: ${episodes}\\. Mean episode reward: \\d+\\.\\d{3}\\.`));
    // The shipped model balances the ball: the card's reward, not just "it ended".
    expect(Number(/Mean episode reward: (\d+\.\d{3})\./.exec(totals!)![1])).toBeGreaterThanOrEqual(90);
  }, 180_000);
});
