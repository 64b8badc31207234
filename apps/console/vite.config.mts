import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

/**
 * The clerk's console. No @vitejs/plugin-react: Vite 8's built-in Oxc transform compiles TSX with the
 * automatic JSX runtime, which is all this app needs (no Fast Refresh in production builds).
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // the launcher reads the manifest to print the login + inbox budget figure
    manifest: true,
    chunkSizeWarningLimit: 2000,
    sourcemap: false,
    rolldownOptions: {
      // antd marks its modules "use client" (for React Server Components): meaningless in this SPA
      onLog(level, log, handler) {
        if (log.code === 'MODULE_LEVEL_DIRECTIVE') return;
        handler(level, log);
      },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
