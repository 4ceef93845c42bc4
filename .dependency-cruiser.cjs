// The layer check (`npm run lint:layers`, part of `npm test`): one direction of dependencies,
//   protocol -> env -> trainers -> export -> run -> cli
// with the emulator (the Unity side) beside protocol, config and util shared by every layer, and the
// HTML report used only by run and cli. A layer may import any layer to its left, never one to its
// right. Folders that do not exist yet (run, report) are covered so the rules hold once they land.
// docs/README.md explains each rule; test/layers/dependency-rules.test.ts shows each one firing.

/** Layers above `name` in the chain: what `name` must never import. */
const CHAIN = ["protocol", "env", "trainers", "export", "run", "cli"];
const above = (name) => CHAIN.slice(CHAIN.indexOf(name) + 1);
const folders = (names) => `^src/(${names.join("|")})/`;

const chainRules = CHAIN.slice(0, -1).map((layer) => ({
  name: `${layer}-not-up`,
  comment: `${layer} sits below ${above(layer).join(", ")}: it must not import them (one direction of dependencies).`,
  severity: "error",
  from: { path: `^src/${layer}/` },
  to: { path: folders(above(layer)) },
}));

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "No import cycles, type-only imports included.",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    ...chainRules,
    {
      name: "emulator-beside-protocol",
      comment:
        "The emulator plays Unity: it speaks the wire (protocol, util) and nothing of the trainer side. " +
        "One exception: src/env/behavior-spec.ts, a leaf module of plain data (ActionSpec, ObservationType) " +
        "that the built-in environments use to declare their behaviors.",
      severity: "error",
      from: { path: "^src/emulator/" },
      to: { path: folders(["env", "trainers", "export", "run", "cli", "report", "config"]), pathNot: "^src/env/behavior-spec\\.ts$" },
    },
    {
      name: "behavior-spec-is-a-leaf",
      comment: "src/env/behavior-spec.ts is imported by the emulator, so it must stay a leaf (no imports of src).",
      severity: "error",
      from: { path: "^src/env/behavior-spec\\.ts$" },
      to: { path: "^src/" },
    },
    {
      name: "only-cli-imports-emulator",
      comment:
        "Only the CLI (the emulate command) imports the emulator; env's launcher starts it as a child " +
        "process for builtin:NAME (a path, not an import), so the real protocol sits in between. Tests and bench may import it.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/(emulator|cli)/" },
      to: { path: "^src/emulator/" },
    },
    {
      name: "report-imports-util-config",
      comment: "The HTML report is built from files on disk: it imports only util, config and the stat tag names (trainers/stats/trainer-summary).",
      severity: "error",
      from: { path: "^src/report/" },
      to: { path: "^src/", pathNot: "^src/((report|util|config)/|trainers/stats/trainer-summary\\.ts$)" },
    },
    {
      name: "report-used-by-run-cli",
      comment: "Only run and cli use the report.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/(report|run|cli)/" },
      to: { path: "^src/report/" },
    },
    {
      name: "config-imports-util",
      comment:
        "config is shared by every layer: it imports only util. One exception, types only: the curriculum " +
        "produces the values that the EnvironmentParameters side channel sends (src/protocol/side-channel/).",
      severity: "error",
      from: { path: "^src/config/" },
      to: { path: "^src/", pathNot: "^src/(config|util|protocol/side-channel)/" },
    },
    {
      name: "config-side-channel-types-only",
      comment: "config may name the side-channel value types (import type), not run protocol code.",
      severity: "error",
      from: { path: "^src/config/" },
      to: { path: "^src/protocol/side-channel/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "util-is-a-leaf",
      comment: "util is shared by every layer: it imports nothing of src.",
      severity: "error",
      from: { path: "^src/util/" },
      to: { path: "^src/", pathNot: "^src/util/" },
    },
    {
      name: "protocol-generated-wire-layers-only",
      comment:
        "ts-proto output of communicator_objects belongs to protocol; env and the emulator, which build and " +
        "read those messages at the boundary, may import it too. Layers above env go through env's types.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/(protocol|env|emulator)/" },
      to: { path: "^src/protocol/generated/" },
    },
    {
      name: "export-generated-own-layer",
      comment: "ts-proto output of the ONNX protos belongs to export alone.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/export/" },
      to: { path: "^src/export/generated/" },
    },
    {
      name: "generated-is-self-contained",
      comment: "Generated code imports only its own generated folder (and npm packages).",
      severity: "error",
      from: { path: "^src/([^/]+)/generated/" },
      to: { path: "^src/", pathNot: "^src/$1/generated/" },
    },
    {
      name: "src-not-to-test-bench",
      comment: "Shipped code never imports tests, benchmarks or scripts.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^(test|bench|scripts)/" },
    },
    {
      name: "src-not-to-dev-dependencies",
      comment: "Shipped code runs after `npm ci --omit=dev`: no runtime import of a devDependency.",
      severity: "error",
      from: { path: "^src/" },
      to: { dependencyTypes: ["npm-dev"], dependencyTypesNot: ["type-only"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // `import type` counts: a type-only edge is still an architectural dependency.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
  },
};
