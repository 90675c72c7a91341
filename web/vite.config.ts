import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

/** The web app, built into the worker's static assets (public/app/), served at the API's origin. */
export default defineConfig({
  root: import.meta.dirname,
  base: "/app/",
  plugins: [preact()],
  build: { outDir: "../public/app", emptyOutDir: true, target: "es2022" },
  server: { proxy: { "/v1": "http://127.0.0.1:8787", "/health": "http://127.0.0.1:8787" } },
});
