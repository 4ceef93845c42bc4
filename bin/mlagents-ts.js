#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx's loader: `npm install` is the whole set-up.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv);
