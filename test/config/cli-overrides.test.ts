import { describe, expect, it } from "vitest";
import { applyCliOverrides } from "../../src/config/cli-overrides.js";
import { parseRunOptions } from "../../src/config/run-options.js";
import { createMemoryLogger } from "../../src/util/logger.js";
import { configError, sacBehavior } from "./helpers.js";

const yaml = `${sacBehavior()}env_settings:
  base_port: 6000
  seed: 3
engine_settings:
  time_scale: 5
checkpoint_settings:
  run_id: fromyaml
`;

describe("applyCliOverrides", () => {
  it("changes nothing when no flag is given", () => {
    const o = parseRunOptions(yaml);
    const out = applyCliOverrides(o, {});
    expect(out).toEqual(o);
    expect(out).not.toBe(o);
  });

  it("treats undefined as not given, so YAML values survive", () => {
    const out = applyCliOverrides(parseRunOptions(yaml), { basePort: undefined, seed: undefined, runId: undefined });
    expect([out.env_settings.base_port, out.env_settings.seed, out.checkpoint_settings.run_id]).toEqual([6000, 3, "fromyaml"]);
  });

  it("maps every flag to its key", () => {
    const out = applyCliOverrides(parseRunOptions(yaml), {
      env: "Builds/3DBall.x86_64",
      envArgs: ["-logFile", "-"],
      basePort: 7000,
      numEnvs: "2",
      numAreas: 4,
      timeoutWait: 30,
      seed: 9,
      maxLifetimeRestarts: -1,
      restartsRateLimitN: 2,
      restartsRateLimitPeriodS: 10,
      width: 100,
      height: 50,
      qualityLevel: 1,
      timeScale: "1.5",
      targetFrameRate: 60,
      captureFrameRate: 30,
      noGraphics: true,
      noGraphicsMonitor: true,
      runId: "cli",
      force: true,
      inference: true,
      resultsDir: "out",
      torchDevice: "cpu",
      debug: true,
      bind: "::1",
      maxMessageMb: 128,
      exitOnStop: true,
      deterministic: true,
    });
    expect(out.env_settings).toEqual({
      env_path: "Builds/3DBall.x86_64",
      env_args: ["-logFile", "-"],
      base_port: 7000,
      num_envs: 2,
      num_areas: 4,
      timeout_wait: 30,
      seed: 9,
      max_lifetime_restarts: -1,
      restarts_rate_limit_n: 2,
      restarts_rate_limit_period_s: 10,
      bind: "::1",
      max_message_mb: 128,
      exit_on_stop: true,
    });
    expect(out.engine_settings).toEqual({
      width: 100,
      height: 50,
      quality_level: 1,
      time_scale: 1.5,
      target_frame_rate: 60,
      capture_frame_rate: 30,
      no_graphics: true,
      no_graphics_monitor: true,
    });
    expect(out.checkpoint_settings).toMatchObject({ run_id: "cli", force: true, inference: true, results_dir: "out" });
    expect(out.torch_settings.device).toBe("cpu");
    expect(out.debug).toBe(true);
    expect(out.behaviors.get("3DBall")!.network_settings.deterministic).toBe(true);
  });

  it("rejects bad flag values naming the flag", () => {
    expect(configError(() => applyCliOverrides(parseRunOptions(yaml), { basePort: "70000" })).message).toBe(
      "--base-port: expected an integer in [0, 65535], got \"70000\"",
    );
    expect(configError(() => applyCliOverrides(parseRunOptions(yaml), { numEnvs: "two" })).keyPath).toBe("env_settings.num_envs");
    expect(configError(() => applyCliOverrides(parseRunOptions(yaml), { timeScale: 0 })).keyPath).toBe("engine_settings.time_scale");
    expect(configError(() => applyCliOverrides(parseRunOptions(yaml), { runId: "a/b" })).message).toContain("--run-id");
  });

  it("num_envs > 1 needs env_path", () => {
    const e = configError(() => applyCliOverrides(parseRunOptions(yaml), { numEnvs: 2 }));
    expect(e.keyPath).toBe("env_settings.num_envs");
    expect(applyCliOverrides(parseRunOptions(yaml), { numEnvs: 2, env: "Builds/x" }).env_settings.num_envs).toBe(2);
    const fromYaml = parseRunOptions("env_settings:\n  num_envs: 3\n");
    expect(configError(() => applyCliOverrides(fromYaml, {})).keyPath).toBe("env_settings.num_envs");
    expect(applyCliOverrides(fromYaml, { env: "Builds/x" }).env_settings).toMatchObject({ num_envs: 3, env_path: "Builds/x" });
  });

  describe("resume vs initialize_from", () => {
    const both = "checkpoint_settings:\n  initialize_from: old\n";
    it("explicit --resume drops initialize_from from the YAML", () => {
      const log = createMemoryLogger();
      const out = applyCliOverrides(parseRunOptions(both), { resume: true }, log);
      expect(out.checkpoint_settings).toMatchObject({ resume: true, initialize_from: null });
      expect(log.lines[0]).toContain("Current run will be resumed ignoring initialization");
    });
    it("explicit --initialize-from drops resume from the YAML", () => {
      const log = createMemoryLogger();
      const out = applyCliOverrides(parseRunOptions("checkpoint_settings:\n  resume: true\n"), { initializeFrom: "other" }, log);
      expect(out.checkpoint_settings).toMatchObject({ resume: false, initialize_from: "other" });
      expect(log.lines[0]).toContain("resume will be ignored");
    });
    it("both flags: resume wins", () => {
      const out = applyCliOverrides(parseRunOptions(""), { resume: true, initializeFrom: "other" });
      expect(out.checkpoint_settings).toMatchObject({ resume: true, initialize_from: null });
    });
    it("--load is a deprecated alias of --resume", () => {
      const log = createMemoryLogger();
      const out = applyCliOverrides(parseRunOptions(both), { load: true }, log);
      expect(out.checkpoint_settings).toMatchObject({ resume: true, initialize_from: null });
      expect(log.lines[0]).toContain("deprecated");
    });
  });
});
