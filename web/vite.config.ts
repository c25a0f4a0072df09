/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath, URL } from 'node:url';

// PODIUM_URL points the dev server and `vite preview` at a running Podium (`make dev` sets it).
// Every path the server answers outside the web UI is proxied: the API and its OpenAPI
// document, OFREP, the build and the health checks (crates/podium-server/src/http/mod.rs).
// scripts/test-dev.sh asks each one through the dev server.
const podium = process.env.PODIUM_URL ?? 'http://127.0.0.1:8080';
const proxy = Object.fromEntries(
  ['/api', '/ofrep', '/version', '/healthz', '/readyz'].map((path) => [
    path,
    { target: podium, changeOrigin: false },
  ]),
);

export default defineConfig({
  plugins: [react()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  server: { proxy },
  preview: { proxy },
  build: { target: 'es2022', sourcemap: false },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/testing/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
  },
});
