// The layer check (`npm run lint:layers`, part of `npm test`): one direction of dependencies,
//   protocol -> env -> trainers -> export -> run -> cli
// with the emulator (the Unity side) beside protocol, config and util shared by every layer, and the
// HTML report used only by run and cli. A layer may import any layer to its left, never one to its
// right. docs/README.md explains each rule; test/layers/dependency-rules.test.ts shows each one firing.

/**
 * Every folder of src/, bottom to top: the one place where the layers are listed. A `chain` layer
 * never imports a chain layer above it (rule `<name>-not-up`). A layer beside the chain names what
 * it may import (`imports`: folders, or single files ending in .ts; its own folder is implied) and
 * who may import it (`importedBy`), each with its rule's name and reason.
 */
const LAYERS = [
  {
    name: "util",
    imports: { rule: "util-is-a-leaf", only: [], comment: "util is shared by every layer: it imports nothing of src." },
  },
  {
    name: "config",
    imports: {
      rule: "config-imports-util",
      only: ["util", "protocol/side-channel"],
      comment:
        "config is shared by every layer: it imports only util. One exception, types only: the curriculum " +
        "produces the values that the EnvironmentParameters side channel sends (src/protocol/side-channel/).",
    },
  },
  { name: "protocol", chain: true },
  {
    name: "emulator",
    imports: {
      rule: "emulator-beside-protocol",
      only: ["protocol", "util", "env/behavior-spec.ts"],
      comment:
        "The emulator plays Unity: it speaks the wire (protocol, util) and nothing of the trainer side. " +
        "One exception: src/env/behavior-spec.ts, a leaf module of plain data (ActionSpec, ObservationType) " +
        "that the built-in environments use to declare their behaviors.",
    },
    importedBy: {
      rule: "only-cli-imports-emulator",
      only: ["cli"],
      comment:
        "Only the CLI (the emulate command) imports the emulator; env's launcher starts it as a child " +
        "process for builtin:NAME (a path, not an import), so the real protocol sits in between. Tests and bench may import it.",
    },
  },
  { name: "env", chain: true },
  { name: "trainers", chain: true },
  { name: "export", chain: true },
  {
    name: "report",
    imports: {
      rule: "report-imports-util-config",
      only: ["util", "config", "trainers/stats/trainer-summary.ts"],
      comment: "The HTML report is built from files on disk: it imports only util, config and the stat tag names (trainers/stats/trainer-summary).",
    },
    importedBy: { rule: "report-used-by-run-cli", only: ["run", "cli"], comment: "Only run and cli use the report." },
  },
  { name: "run", chain: true },
  { name: "cli", chain: true },
];

/** `^src/(a/|b/|c\.ts$)`: the folders, and files ending in .ts, of `paths` (relative to src/). */
const under = (paths) => `^src/(${paths.map((p) => (p.endsWith(".ts") ? `${p.replace(/\./g, "\\.")}$` : `${p}/`)).join("|")})`;

const CHAIN = LAYERS.filter((l) => l.chain).map((l) => l.name);
const chainRules = CHAIN.slice(0, -1).map((layer, i) => {
  const above = CHAIN.slice(i + 1);
  return {
    name: `${layer}-not-up`,
    comment: `${layer} sits below ${above.join(", ")}: it must not import them (one direction of dependencies).`,
    severity: "error",
    from: { path: `^src/${layer}/` },
    to: { path: under(above) },
  };
});

/** A layer beside the chain imports only its own folder and `imports.only`. */
const importRules = LAYERS.filter((l) => l.imports).map(({ name, imports }) => ({
  name: imports.rule,
  comment: imports.comment,
  severity: "error",
  from: { path: `^src/${name}/` },
  to: { path: "^src/", pathNot: under([name, ...imports.only]) },
}));

/** Only the layer itself and `importedBy.only` import it. */
const importedByRules = LAYERS.filter((l) => l.importedBy).map(({ name, importedBy }) => ({
  name: importedBy.rule,
  comment: importedBy.comment,
  severity: "error",
  from: { path: "^src/", pathNot: under([name, ...importedBy.only]) },
  to: { path: `^src/${name}/` },
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
    ...importRules,
    ...importedByRules,
    {
      name: "behavior-spec-is-a-leaf",
      comment: "src/env/behavior-spec.ts is imported by the emulator, so it must stay a leaf (no imports of src).",
      severity: "error",
      from: { path: "^src/env/behavior-spec\\.ts$" },
      to: { path: "^src/" },
    },
    {
      name: "config-side-channel-types-only",
      comment: "config may name the side-channel value types (import type), not run protocol code.",
      severity: "error",
      from: { path: "^src/config/" },
      to: { path: "^src/protocol/side-channel/", dependencyTypesNot: ["type-only"] },
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
