// The population tests' CLI child (shared with the other CLI-process tests) and their PBT configuration.
export { cli, ROOT, type Child } from "../../support/cli-child.js";

/** A short 3DBall PBT configuration: 4 members of 16-unit networks, ready every `ready` agent steps, clear-gap test off. */
export function shortPbtYaml(o: { maxSteps?: number; ready?: number; checkpointInterval?: number; extraExplore?: string } = {}): string {
  return [
    "behaviors:",
    "  3DBall:",
    "    trainer_type: sac",
    "    hyperparameters: {learning_rate: 0.0003, batch_size: 32, buffer_size: 20000, buffer_init_steps: 0, tau: 0.005, steps_per_update: 20.0, init_entcoef: 0.5}",
    "    network_settings: {normalize: true, hidden_units: 16, num_layers: 1}",
    "    reward_signals: {extrinsic: {gamma: 0.99, strength: 1.0}}",
    "    keep_checkpoints: 3",
    `    checkpoint_interval: ${o.checkpointInterval ?? 500000}`,
    `    max_steps: ${o.maxSteps ?? 2400}`,
    "    time_horizon: 64",
    "    summary_freq: 600",
    "pbt:",
    "  population_size: 4",
    `  ready: ${o.ready ?? 300}`,
    `  burn_in: ${o.ready ?? 300}`,
    "  episodes: 10",
    // A short test run cannot wait for a significant gap: any better source is copied.
    "  relative_margin: 0.0",
    "  significance: 1",
    "  explore:",
    "    learning_rate: {distribution: log_uniform, min: 1.0e-5, max: 1.0e-2}",
    "    tau: {distribution: log_uniform, min: 0.001, max: 0.02}",
    "    batch_size: {values: [16, 32, 64]}",
    o.extraExplore ?? "",
  ].join("\n");
}
