// What a trained GridWorld policy does next to a goal: renders frames with the emulator's own
// GridWorld renderer (src/emulator/environments/grid-world.ts), the agent in the middle of the 5x5
// grid with a goal on a neighbouring cell, and samples the exported .onnx's stochastic action many
// times per frame (OnnxPolicy, what `mlagents-ts run` uses). A policy that has learned the task
// steps onto the goal of its own kind and away from the other; one that avoids goals puts ~0 on
// the move onto either (README, "Visual observations, GridWorld").
//   npx tsx bench/gridworld-probe.ts results/<run-id>/GridWorld/GridWorld-<step>.onnx [--samples 500]
import { GRID_CAMERA_SIZE, GridAction, GridWorldAgent } from "../src/emulator/environments/grid-world.js";
import type { AgentApi, SceneContext } from "../src/emulator/environments/environment.js";
import { OnnxPolicy } from "../src/export/onnx-policy.js";

const ACTIONS = ["stay", "up", "down", "left", "right"];
const PLUS = 1;
const EX = 2;

const model = process.argv[2];
if (!model || model.startsWith("--")) {
  console.error("usage: npx tsx bench/gridworld-probe.ts <GridWorld .onnx> [--samples 500]");
  process.exit(2);
}
const samplesAt = process.argv.indexOf("--samples");
const samples = samplesAt > 0 ? Number(process.argv[samplesAt + 1]) : 500;
const policy = await OnnxPolicy.load(model);

// Only render() and the masks are used: the agent's API and scene are never touched.
const agent = new GridWorldAgent({} as AgentApi, {} as SceneContext);

/** Move counts over `samples` draws with the agent at (2, 2), a goal of `cell` kind at (gx, gz), the agent's goal kind `kind`. */
async function probe(cell: number, gx: number, gz: number, kind: number): Promise<number[]> {
  agent.gridSize = 5;
  agent.cells = new Uint8Array(25);
  agent.cells[gz * 5 + gx] = cell;
  agent.cells[0] = cell === PLUS ? EX : PLUS; // the other goal, in a corner
  [agent.x, agent.z] = [2, 2];
  const pixels = new Uint8Array(3 * GRID_CAMERA_SIZE * GRID_CAMERA_SIZE);
  agent.render(pixels);
  const image = new Float32Array(samples * pixels.length);
  const goal = new Float32Array(samples * 2);
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < pixels.length; i++) image[s * pixels.length + i] = pixels[i]! / 255;
    goal[s * 2 + kind] = 1;
  }
  const { discrete } = await policy.act([image, goal], samples, null, false); // no wall next to (2, 2): nothing masked
  const counts = ACTIONS.map(() => 0);
  for (const a of discrete) counts[a]!++;
  return counts;
}

console.log(`${model}: ${samples} stochastic samples per frame; agent at (2, 2) of a 5x5 grid`);
console.log("| goal next to the agent | the agent's goal | onto the goal | " + ACTIONS.join(" | ") + " |");
console.log("|---|---|---|" + ACTIONS.map(() => "---").join("|") + "|");
for (const [cell, name] of [[PLUS, "+"], [EX, "x"]] as const) {
  for (const [gx, gz, move] of [[3, 2, GridAction.RIGHT], [2, 3, GridAction.UP]] as const) {
    for (const kind of [0, 1]) {
      const counts = await probe(cell, gx, gz, kind);
      const mine = (cell === PLUS ? 0 : 1) === kind ? "its own" : "the other";
      console.log(`| "${name}" ${ACTIONS[move]} | ${mine} | ${counts[move]} of ${samples} | ${counts.join(" | ")} |`);
    }
  }
}
await policy.dispose();
