// Compile the unit tests (and the sources they import) into build/test/,
// one ES module per test file, for `node --test build/test/`.
import { readdir, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";
import * as esbuild from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tests = (await readdir(path.join(root, "test")))
  .filter((name) => name.endsWith(".test.ts"))
  .map((name) => path.join(root, "test", name));
await rm(path.join(root, "build"), { recursive: true, force: true });
await esbuild.build({
  entryPoints: tests,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node18",
  packages: "external",
  sourcemap: "inline",
  outdir: path.join(root, "build/test"),
  logLevel: "warning",
});
