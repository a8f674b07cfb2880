import { defineConfig } from 'vite';

// The dashboard is served by `qun serve` from files compiled into the binary
// (cmake/QunEmbed.cmake). Relative base so it works under any prefix.
export default defineConfig({
  base: './',
  build: { target: 'es2020', chunkSizeWarningLimit: 1500, reportCompressedSize: false },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080' } },
});
