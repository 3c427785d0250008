/**
 * What the kernel holds for a UDP socket: the bytes of datagrams received but not yet read (the
 * queue an event loop that falls behind leaves), and the datagrams dropped because that queue was
 * full. Node does not expose them; Linux lists them per socket in /proc/net/udp and udp6
 * (`rx_queue` in hex, `drops` in decimal), keyed by local address and port in hex.
 */
import { readFile } from 'node:fs/promises';

export interface UdpQueue {
  /** Bytes waiting to be read (sk_rmem_alloc: datagrams with their kernel overhead). */
  bytes: number;
  /** Datagrams dropped since the socket was opened. */
  drops: number;
}

/**
 * The queue of the socket bound to `port`, summed over IPv4 and IPv6; undefined where the files
 * cannot be read (not Linux) or no such socket is listed.
 */
export async function readUdpQueue(port: number): Promise<UdpQueue | undefined> {
  const wanted = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
  let found = false;
  const total: UdpQueue = { bytes: 0, drops: 0 };
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    let text: string;
    try {
      text = await readFile(file, 'latin1');
    } catch {
      continue;
    }
    const queue = findSocket(text, wanted);
    if (queue === undefined) continue;
    found = true;
    total.bytes += queue.bytes;
    total.drops += queue.drops;
  }
  return found ? total : undefined;
}

/**
 * A line reads `sl local rem st tx_queue:rx_queue tr tm->when retrnsmt uid timeout inode ref
 * pointer drops`; the local address is the second field, so the port is searched there only
 * (another socket's remote port may be ours).
 */
export function findSocket(text: string, wanted: string): UdpQueue | undefined {
  let from = 0;
  for (;;) {
    const at = text.indexOf(wanted, from);
    if (at < 0) return undefined;
    from = at + wanted.length;
    const start = text.lastIndexOf('\n', at) + 1;
    const end = text.indexOf('\n', at);
    const fields = text
      .slice(start, end < 0 ? undefined : end)
      .trim()
      .split(/\s+/);
    if (!(fields[1] ?? '').endsWith(wanted.trimEnd())) continue;
    const rx = (fields[4] ?? '').split(':')[1];
    const bytes = rx === undefined ? Number.NaN : parseInt(rx, 16);
    const drops = Number(fields[12]);
    if (!Number.isFinite(bytes)) return undefined;
    return { bytes, drops: Number.isFinite(drops) ? drops : 0 };
  }
}
