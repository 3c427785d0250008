/**
 * Samples the process's own load every `intervalMs`: the event loop's utilisation (the share of
 * time it ran callbacks rather than waited, perf_hooks), the 99th percentile of its delay (how
 * late a 10 ms timer fired, monitorEventLoopDelay), and the bytes queued for the SIP UDP socket
 * in the kernel (udp-queue.ts). A loop that cannot keep up shows in one of them: utilisation
 * near 1, long turns, or datagrams piling up unread while each turn is short.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { EventLoopUtilization, IntervalHistogram } from 'node:perf_hooks';
import type { LoadSample } from './overload-control.js';
import { readUdpQueue } from './udp-queue.js';
import type { UdpQueue } from './udp-queue.js';

export interface LoadSamplerOptions {
  /** Default 250 ms. */
  intervalMs?: number;
  /** The SIP UDP port whose kernel queue to read; none: the queue is not sampled. */
  udpPort?: () => number | undefined;
  onSample: (sample: LoadSample) => void;
}

const RESOLUTION_MS = 10;

export class LoadSampler {
  private readonly histogram: IntervalHistogram;
  private elu: EventLoopUtilization;
  private readonly timer: NodeJS.Timeout;
  private queue: UdpQueue | undefined;
  private reading = false;
  private stopped = false;

  constructor(private readonly options: LoadSamplerOptions) {
    this.histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.histogram.enable();
    this.elu = performance.eventLoopUtilization();
    this.timer = setInterval(() => this.tick(), options.intervalMs ?? 250);
    // Sampling must never be what keeps a process alive.
    this.timer.unref();
  }

  /** The kernel's counts for the SIP socket at the last sample. */
  udpQueue(): UdpQueue | undefined {
    return this.queue;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.histogram.disable();
  }

  private tick(): void {
    const now = performance.eventLoopUtilization();
    const utilization = performance.eventLoopUtilization(now, this.elu).utilization;
    this.elu = now;
    // The histogram holds nanoseconds; the timer's own period is not delay.
    const delayMs = Math.max(0, this.histogram.percentile(99) / 1e6 - RESOLUTION_MS);
    this.histogram.reset();
    this.options.onSample({ utilization, delayMs, queueBytes: this.queue?.bytes });
    this.readQueue();
  }

  /** Read off the loop (a file read in the thread pool); a read still under way is not doubled. */
  private readQueue(): void {
    const port = this.options.udpPort?.();
    if (port === undefined || this.reading) return;
    this.reading = true;
    readUdpQueue(port).then(
      (queue) => {
        this.reading = false;
        if (!this.stopped) this.queue = queue;
      },
      () => {
        this.reading = false;
      },
    );
  }
}
