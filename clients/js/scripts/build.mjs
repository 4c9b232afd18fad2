// Bundle src/index.ts into the one ES module the pages import,
// src/parley/static/parley/parley-client.js (committed, so neither
// `make run` nor `pip install` needs Node).
//
//   node scripts/build.mjs           write the bundle
//   node scripts/build.mjs --check   fail if the committed bundle differs
//                                    from a fresh build, or a page script
//                                    beside it does not parse as a module
import { readFile, readdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";
import * as esbuild from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const target = path.resolve(root, "../../src/parley/static/parley/parley-client.js");
const banner = `// GENERATED FILE: do not edit. Built by esbuild from clients/js/src/index.ts
// (the parley-client package); rebuild with \`npm run build\` in clients/js.`;

async function build(write) {
  const result = await esbuild.build({
    entryPoints: [path.join(root, "src/index.ts")],
    bundle: true,
    format: "esm",
    target: "es2022",
    platform: "neutral",
    minify: false,
    charset: "utf8",
    legalComments: "none",
    banner: { js: banner },
    outfile: target,
    write,
    logLevel: "warning",
  });
  return result.outputFiles?.[0]?.text;
}

if (process.argv.includes("--check")) {
  const fresh = await build(false);
  const committed = await readFile(target, "utf8").catch(() => null);
  if (committed !== fresh) {
    console.error(
      `${path.relative(process.cwd(), target)} is not what clients/js/src builds.\n` +
        "Rebuild it with `npm run build` in clients/js (or `make js-build`) and commit it.",
    );
    process.exit(1);
  }
  console.log("parley-client.js matches clients/js/src");
  // The views are plain ES modules with no build step: a syntax error in
  // one would only show in a browser, so parse each here.
  const pages = path.dirname(target);
  for (const name of (await readdir(pages)).filter((n) => n.endsWith(".js"))) {
    const code = await readFile(path.join(pages, name), "utf8");
    try {
      await esbuild.transform(code, { loader: "js", format: "esm", sourcefile: name });
    } catch (error) {
      console.error(`${name} is not a valid ES module:`, error.message);
      process.exit(1);
    }
  }
  console.log("the page scripts parse as ES modules");
} else {
  await build(true);
  console.log(`wrote ${path.relative(process.cwd(), target)}`);
}
