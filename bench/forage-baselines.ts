// The reference scores of builtin:forage quoted in the README ("Mix & Match curricula"): a uniformly
// random agent over the 54 actions, and a turn-then-run controller (the one of
// test/emulator/environments/forage.test.ts), each driven through the emulator's Academy.
// Run: npx tsx bench/forage-baselines.ts [--requests 20000] [--seed 4]
import { forage, forageAction } from "../src/emulator/environments/forage.js";
import { lcg, runPolicy, startAcademy, type Episode } from "../test/emulator/environments/run-policy.js";
import { benchFlags } from "./support.js";

const flags = benchFlags(
  { options: { requests: { type: "string", default: "20000" }, seed: { type: "string", default: "4" }, help: { type: "boolean", default: false } } },
  "usage: npx tsx bench/forage-baselines.ts [--requests 20000] [--seed 4]",
);
const requests = Number(flags.requests);
const seed = Number(flags.seed);

function report(name: string, episodes: Episode[]): void {
  const mean = episodes.reduce((s, e) => s + e.reward, 0) / episodes.length;
  const ate = episodes.filter((e) => !e.interrupted).length / episodes.length;
  console.log(`${name}: ${episodes.length} episodes, mean episode reward ${mean.toFixed(3)}, reached the food in ${(100 * ate).toFixed(1)} %`);
}

const rand = lcg(seed);
report("uniformly random", runPolicy(startAcademy(forage, seed), () => ({ discrete: [Math.floor(rand() * 54)] }), requests));
for (const turnInPlace of [true, false]) {
  const controller = runPolicy(
    startAcademy(forage, seed),
    (info) => {
      const o = info.observations[0]!.floatData!.data;
      const angleLeft = Math.atan2(-o[1]!, o[0]!);
      const rotate = Math.abs(angleLeft) < 0.2 ? 0 : angleLeft > 0 ? 1 : 2;
      return { discrete: [forageAction({ move: turnInPlace && rotate !== 0 ? 0 : 1, rotate, strafe: 0, gait: 1 })] };
    },
    requests,
  );
  report(`controller, ${turnInPlace ? "turning in place" : "turning while running"}`, controller);
}
