// The Unity side of a run, as "workers": the Editor on one port, or launched players / built-in
// emulators on base_port + i. A worker owns its gRPC server for the whole run; Unity sessions
// come and go on it. Launched workers are restarted within ML-Agents' restart limits.
import { describeExit, launchEnvironment, UnityEnvironment, type LaunchedEnvironment, type ProcessExit } from "../env/index.js";
import type { EngineConfig, EnvironmentParameterValue, StatsAggregationMethod } from "../protocol/side-channel/index.js";
import { DEFAULT_MAX_MESSAGE_BYTES, RpcCommunicator } from "../protocol/rpc-communicator.js";
import type { Logger } from "../util/logger.js";

export interface WorkerOptions {
  readonly index: number;
  readonly port: number;
  readonly host?: string;
  readonly maxMessageBytes: number;
  readonly timeoutWaitMs: number;
  readonly seed: number;
  readonly numAreas: number;
  readonly logger: Logger;
  /** Player executable or "builtin:NAME"; null = the Unity Editor connects by itself. */
  readonly target: string | null;
  readonly noGraphics: boolean;
  readonly envArgs: readonly string[];
  readonly runLogsDir: string;
  readonly engineConfig: EngineConfig;
  readonly environmentParameters: () => ReadonlyMap<string, EnvironmentParameterValue>;
  readonly onStats: (key: string, value: number, method: StatsAggregationMethod) => void;
}

export class EnvWorker {
  env: UnityEnvironment | null = null;
  private launched: LaunchedEnvironment | null = null;
  private exit: ProcessExit | null = null;
  private constructor(
    readonly options: WorkerOptions,
    readonly communicator: RpcCommunicator,
  ) {}

  /**
   * One worker outside a training run (inspect, run, benchmarks): no environment parameters, no
   * run folder for player logs, stats ignored unless asked for.
   */
  static standalone(
    options: Pick<WorkerOptions, "port" | "target" | "seed" | "timeoutWaitMs" | "logger"> & Partial<WorkerOptions>,
  ): Promise<EnvWorker> {
    return EnvWorker.create({
      index: 0,
      maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
      numAreas: 1,
      noGraphics: true,
      envArgs: [],
      runLogsDir: "",
      engineConfig: { timeScale: 20 },
      environmentParameters: () => new Map(),
      onStats: () => undefined,
      ...options,
    });
  }

  static async create(options: WorkerOptions): Promise<EnvWorker> {
    const comm = await RpcCommunicator.listen({
      port: options.port,
      host: options.host,
      maxMessageBytes: options.maxMessageBytes,
      logger: options.logger,
    });
    return new EnvWorker(options, comm);
  }

  get index(): number {
    return this.options.index;
  }

  get isEditor(): boolean {
    return this.options.target === null;
  }

  /** Launches the player (if any) and waits for its handshake; `waitMs` bounds the wait. */
  async connect(waitMs: number): Promise<UnityEnvironment> {
    const o = this.options;
    if (o.target !== null && (!this.launched || this.exit)) {
      this.exit = null;
      const launched = launchEnvironment({
        target: o.target,
        port: this.communicator.port,
        workerId: o.index,
        noGraphics: o.noGraphics,
        envArgs: [...o.envArgs],
        runLogsDir: o.runLogsDir,
      });
      this.launched = launched;
      void launched.exited.then((exit) => {
        if (this.launched === launched) this.exit = exit;
      });
    }
    const env = await UnityEnvironment.connect({
      communicator: this.communicator,
      seed: o.seed + o.index,
      numAreas: o.numAreas,
      timeoutWaitMs: waitMs,
      engineConfig: o.engineConfig,
      environmentParameters: o.environmentParameters(),
      logger: o.logger,
      onStats: o.onStats,
    });
    this.env = env;
    return env;
  }

  /** A launched process that has exited, described in words; null while it runs (or for the Editor). */
  exitDescription(): string | null {
    return this.exit ? describeExit(this.exit) : null;
  }

  /**
   * Like exitDescription(), but gives a crashing player `ms` to finish exiting: its dropped
   * connection usually arrives before its exit code, and the code says more ("return code 3").
   */
  async exitDescriptionWithin(ms: number): Promise<string | null> {
    const l = this.launched;
    if (!this.exit && l) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([l.exited, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
      clearTimeout(timer);
      await new Promise<void>((r) => setImmediate(r)); // let exited's own handler record it
    }
    return this.exitDescription();
  }

  /** Kills a launched process (a hung or crashed player before restarting it). */
  async killPlayer(): Promise<void> {
    const l = this.launched;
    this.launched = null;
    this.exit = null;
    if (!l) return;
    l.kill("SIGKILL");
    await l.exited;
  }

  /** Ends the run for this worker: status 400 to Unity, server down, player gone. */
  async close(): Promise<void> {
    this.env = null;
    await this.communicator.close();
    await this.killPlayer();
  }
}
