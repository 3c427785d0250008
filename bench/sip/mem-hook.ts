/**
 * Preloaded into the PBX process by the SIP benchmark (`node --expose-gc --import
 * dist/bench/sip/mem-hook.js bin/renvoi.js start …`): on SIGUSR2 it collects garbage and writes
 * `process.memoryUsage()` as JSON to the file named by RENVOI_BENCH_MEM_FILE. Nothing else.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.RENVOI_BENCH_MEM_FILE;
if (file !== undefined) {
  process.on('SIGUSR2', () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    writeFileSync(file, JSON.stringify({ at: Date.now(), ...process.memoryUsage() }));
  });
}
