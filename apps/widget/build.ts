/**
 * Builds the widget's two files into `dist/`: `loader.js` (the embed snippet's script: draws the
 * launcher, loads the chat when opened) and `chat.js` (the chat UI), each one classic script
 * (IIFE), minified, so a host page needs nothing but a `<script>` tag.
 * @example
 * node apps/widget/build.ts
 */
import { fileURLToPath } from "node:url";
import { build } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

for (const [index, name] of ["loader", "chat"].entries()) {
  await build({
    root,
    configFile: false,
    logLevel: "warn",
    build: {
      outDir: "dist",
      // The first build empties the folder; the second adds to it.
      emptyOutDir: index === 0,
      target: "es2020",
      minify: true,
      sourcemap: false,
      lib: {
        entry: `src/${name}.ts`,
        formats: ["iife"],
        name: `ParleyWidget_${name}`,
        fileName: () => `${name}.js`,
      },
    },
  });
}
