import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The web app's build: src/web/app → src/web/dist, served by the exchange itself
 * (src/web/plugin.ts). No React plugin: Vite's own transform handles TSX with the
 * automatic JSX runtime. `vite dev` proxies the API and WebSocket to a local exchange.
 */
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const target = 'http://127.0.0.1:8080';

export default defineConfig({
  root: here('.'),
  base: '/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: here('../dist'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    proxy: {
      '/api': { target },
      '/ws': { target: target.replace('http', 'ws'), ws: true },
    },
  },
});
