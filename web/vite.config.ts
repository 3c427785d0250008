import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));

// The PBX serves web/dist at "/"; during `vite dev` the API is proxied to a running Renvoi.
export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    proxy: {
      '/api': {
        target: process.env.RENVOI_API ?? 'http://127.0.0.1:8080',
        ws: true,
      },
    },
  },
});
