import { describe, expect, it } from 'vitest';
import { PortAllocator, PortRangeError } from '../../src/media/port-allocator.js';

describe('PortAllocator', () => {
  it('hands out even ports whose odd neighbour is in range, never twice', () => {
    const ports = new PortAllocator(20001, 20010);
    expect(ports.capacity).toBe(4); // 20002, 20004, 20006, 20008 (20010 has no 20011)
    const got = [ports.acquire(), ports.acquire(), ports.acquire(), ports.acquire()];
    expect(got).toEqual([20002, 20004, 20006, 20008]);
    expect(ports.acquire()).toBeUndefined();
    ports.release(20004);
    expect(ports.acquire()).toBe(20004);
  });

  it('reuses a released port last (round robin)', () => {
    const ports = new PortAllocator(30000, 30007);
    const a = ports.acquire() as number;
    ports.release(a);
    expect(ports.acquire()).not.toBe(a);
    expect(ports.inUse).toBe(1);
  });

  it('rejects ranges without a pair or outside 1024-65535', () => {
    expect(() => new PortAllocator(20001, 20002)).toThrow(PortRangeError);
    expect(() => new PortAllocator(80, 2000)).toThrow(/1024-65535/);
    expect(() => new PortAllocator(20000, 70000)).toThrow(PortRangeError);
  });
});
