/**
 * Public surface of the web domain: the Fastify plugin that serves the built web app
 * (src/web/dist) with an SPA fallback, and where the build lands by default.
 * The app itself lives in src/web/app (Vite + React; its own tsconfig).
 */
import { fileURLToPath } from 'node:url';

export { CONTENT_SECURITY_POLICY, loadDist, webPlugin, type WebPluginOptions } from './plugin.ts';

/** Where `npm run build:web` writes the build. */
export const WEB_DIST_DIR = fileURLToPath(new URL('./dist', import.meta.url));
