import { defineConfig } from "vite";

// The gateway serves dist/ under /ui (api-gateway/Dashboard/DashboardHosting.cs) with a CSP that allows only
// same-origin files: no inline script or style may end up in the build.
export default defineConfig({
  base: "/ui/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: "es2022",
  },
});
