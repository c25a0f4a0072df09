/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath, URL } from 'node:url';

// PODIUM_URL points the dev server and `vite preview` at a running Podium.
const podium = process.env.PODIUM_URL ?? 'http://127.0.0.1:8080';
const proxy = {
  '/api': { target: podium, changeOrigin: false },
  '/version': podium,
  '/readyz': podium,
  '/ofrep': podium,
};

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
