import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const dashboardRoot = fileURLToPath(new URL(".", import.meta.url));

/** Where `vite dev` forwards API and Socket.IO calls; the built bundle is served by the service itself. */
const devServiceUrl = process.env.DASHBOARD_DEV_SERVICE_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  root: dashboardRoot,
  base: "/",
  // The operations centre may run on a closed network: everything, CSS and images included, is bundled.
  build: {
    outDir: fileURLToPath(new URL("./dist", import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    // The operators' dashboard, the agencies' warnings screen, the residents' page (no login,
    // public routes only) and the residents' site's page for developers (open data).
    rolldownOptions: {
      input: {
        operators: fileURLToPath(new URL("./index.html", import.meta.url)),
        residents: fileURLToPath(new URL("./public.html", import.meta.url)),
        developers: fileURLToPath(new URL("./developers.html", import.meta.url)),
        warnings: fileURLToPath(new URL("./warnings.html", import.meta.url)),
      },
    },
  },
  server: {
    proxy: {
      "/api": devServiceUrl,
      "/socket.io": { target: devServiceUrl, ws: true },
    },
  },
});
