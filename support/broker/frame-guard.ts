// Watches the frame headers of incoming MQTT bytes, so an oversized packet is refused as soon as
// its header announces the size, before the broker buffers it, and so the harness can make the
// broker lose a chosen packet (the connection drops as it arrives).

export interface FrameGuard { (chunk: Buffer): boolean }

export interface FrameGuardOptions {
  /** largest packet in bytes; 0: no limit */
  maxPacketSize: number;
  onOversize(size: number): void;
  /** called with each packet type (1–15) as its header arrives; false drops the chunk and stops */
  onFrame?(type: number): boolean;
}

export function createFrameGuard(o: FrameGuardOptions): FrameGuard {
  let skip = 0;              // bytes of the current packet body still to pass
  let header: number[] = []; // fixed header bytes of a packet whose length is not yet complete
  let tripped = false;
  return (chunk: Buffer): boolean => {
    if (tripped) return false;
    let i = 0;
    while (i < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - i);
        skip -= n; i += n;
        continue;
      }
      header.push(chunk[i]!); i++;
      if (header.length === 1) {
        if (o.onFrame && !o.onFrame(header[0]! >> 4)) { tripped = true; return false; }
        continue;
      }
      const last = header[header.length - 1]!;
      if ((last & 0x80) !== 0 && header.length < 5) continue;
      let remaining = 0;
      for (let k = header.length - 1; k >= 1; k--) remaining = remaining * 128 + (header[k]! & 0x7f);
      const size = header.length + remaining;
      header = [];
      if (o.maxPacketSize > 0 && size > o.maxPacketSize) { tripped = true; o.onOversize(size); return false; }
      skip = remaining;
    }
    return true;
  };
}
