// The run's workers from its options: the Editor on one port (5004 unless --base-port), or
// --num-envs launched players / built-in emulators on base_port + i (each on a free port with 0).
import type { EnvironmentParameterManager, RunOptions } from "../config/index.js";
import type { EngineConfig, EnvironmentParameterValue, StatsAggregationMethod } from "../protocol/side-channel/index.js";
import type { Logger } from "../util/logger.js";
import { EnvWorker } from "./env-worker.js";

export const EDITOR_PORT = 5004;

export interface RunWorkersOptions {
  readonly logger: Logger;
  readonly seed: number;
  readonly runLogsDir: string;
  /** Editor port when --base-port was not given explicitly. */
  readonly editorPort?: number;
  readonly params: EnvironmentParameterManager;
  readonly onStats: (key: string, value: number, method: StatsAggregationMethod) => void;
  /** Values of one worker's own that override the run's (a PBT member's environment parameters). */
  readonly ownParameters?: (workerIndex: number) => ReadonlyMap<string, EnvironmentParameterValue>;
}

export function engineConfigOf(options: RunOptions): EngineConfig {
  const engine = options.engine_settings;
  return {
    width: engine.width,
    height: engine.height,
    qualityLevel: engine.quality_level,
    timeScale: engine.time_scale,
    targetFrameRate: engine.target_frame_rate,
    captureFrameRate: engine.capture_frame_rate,
  };
}

/** Creates every worker's gRPC server (listening, nothing launched yet); closes them all on failure. */
export async function createWorkers(options: RunOptions, o: RunWorkersOptions): Promise<EnvWorker[]> {
  const es = options.env_settings;
  const engine = options.engine_settings;
  const editor = es.env_path === null;
  const numWorkers = editor ? 1 : es.num_envs;
  const firstPort = editor ? (o.editorPort ?? EDITOR_PORT) : es.base_port;
  const engineConfig = engineConfigOf(options);
  const workers: EnvWorker[] = [];
  try {
    for (let i = 0; i < numWorkers; i++) {
      workers.push(
        await EnvWorker.create({
          index: i,
          port: firstPort === 0 ? 0 : firstPort + i,
          host: es.bind,
          maxMessageBytes: es.max_message_mb * 1024 * 1024,
          timeoutWaitMs: es.timeout_wait * 1000,
          seed: o.seed,
          numAreas: es.num_areas,
          logger: o.logger,
          target: es.env_path,
          noGraphics: engine.no_graphics || (engine.no_graphics_monitor && i > 0),
          envArgs: es.env_args ?? [],
          runLogsDir: o.runLogsDir,
          engineConfig,
          environmentParameters: () => new Map([...o.params.currentValues(o.seed), ...(o.ownParameters?.(i) ?? [])]),
          onStats: o.onStats,
        }),
      );
    }
  } catch (error) {
    await Promise.all(workers.map((w) => w.close()));
    throw error;
  }
  return workers;
}

export function isLoopback(host: string | undefined): boolean {
  return host === undefined || host === "127.0.0.1" || host === "localhost" || host === "::1" || host === "[::1]" || host === "loopback";
}
