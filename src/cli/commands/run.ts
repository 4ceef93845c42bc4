// `mlagents-ts run <model.onnx>`: inference only: drive the Editor, a player or a built-in environment
// with an exported model and print the mean episode reward.
import { InvalidArgumentError } from "commander";
import { acquireWebGpu, formatAdapter } from "../../trainers/gpu/webgpu-adapter.js";
import { createLogger, errorMessage } from "../../util/logger.js";
import { DEFAULT_PROGRESS_SECONDS } from "../run/progress.js";
import { describeRunReport, runPolicy } from "../run/run-policy.js";
import type { RegisterCommand } from "./index.js";

function integer(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}.`);
    return n;
  };
}

interface RunFlags {
  basePort?: number;
  env?: string;
  deterministic?: boolean;
  steps?: number;
  episodes?: number;
  timeoutWait: number;
  seed: number;
  timeScale: string;
  progressSeconds: number;
  bind?: string;
  device: string;
  allowSoftwareGpu?: boolean;
  debug?: boolean;
}

export const registerRun: RegisterCommand = (program, setExitCode) => {
  program
    .command("run")
    .description("Drive an environment with an exported ONNX policy (inference only, nothing is trained)")
    .argument("<model>", "the .onnx file; <Behavior>.onnx drives that behavior, else the environment's only one")
    .option("--base-port <port>", "port to listen on (default 5004 for the Editor, 5005 with --env)", integer(0))
    .option("--env <path>", "Unity player to launch, or builtin:NAME; omit to wait for the Unity Editor")
    .option("--deterministic", "act with the mean / most likely action (Unity's Deterministic Inference)")
    .option("--steps <n>", "stop after this many environment steps", integer(1))
    .option("--episodes <n>", "stop once this many episodes have finished", integer(1))
    .option("--timeout-wait <seconds>", "how long to wait for Unity to connect or reply", integer(1), 60)
    .option("--seed <n>", "seed sent to Unity", integer(-1), 0)
    .option("--time-scale <x>", "engine time scale", "20")
    .option("--progress-seconds <s>", "print episodes, mean reward and decisions/s every s seconds (0 = never)", integer(0), DEFAULT_PROGRESS_SECONDS)
    .option("--bind <address>", "address to bind (default loopback)")
    .option("--device <device>", "onnxruntime execution provider: cpu, or gpu (WebGPU through Vulkan)", "cpu")
    .option("--allow-software-gpu", "with --device gpu: accept a software adapter (lavapipe); slow, for tests")
    .option("--debug", "debug logging")
    .action(async (model: string, o: RunFlags) => {
      const logger = createLogger({ level: o.debug ? "debug" : "info" });
      try {
        const timeScale = Number(o.timeScale);
        if (!(timeScale > 0)) throw new InvalidArgumentError(`--time-scale must be a positive number, got ${o.timeScale}.`);
        if (o.device !== "cpu" && o.device !== "gpu") throw new InvalidArgumentError(`--device must be cpu or gpu, got ${o.device}.`);
        if (o.device === "gpu") logger.info(`Inference on WebGPU: ${formatAdapter(await acquireWebGpu(Boolean(o.allowSoftwareGpu)))}`);
        const report = await runPolicy({
          model,
          env: o.env,
          basePort: o.basePort,
          deterministic: Boolean(o.deterministic),
          steps: o.steps,
          episodes: o.episodes,
          timeoutWaitS: o.timeoutWait,
          seed: o.seed,
          timeScale,
          bind: o.bind,
          progressSeconds: o.progressSeconds,
          device: o.device,
          logger,
        });
        for (const line of describeRunReport(report)) process.stdout.write(line + "\n");
        setExitCode(report.exitCode);
      } catch (error) {
        logger.error(errorMessage(error));
        setExitCode(1);
      }
    });
};
