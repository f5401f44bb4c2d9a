import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const api = process.env.PARLEY_DEV_API ?? "http://127.0.0.1:8080";

// `npm run dev -w @parley/web` serves the app with hot reload and forwards API calls to a
// running `npm start`.
export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true },
  server: {
    proxy: {
      "/api": api,
      "/v1": api,
      "/readyz": api,
      "/healthz": api,
    },
  },
});
