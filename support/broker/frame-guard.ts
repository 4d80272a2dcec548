// Watches the frame headers of incoming MQTT bytes, so an oversized packet is refused as soon as
// its header announces the size, before the broker buffers it.

export interface FrameGuard { (chunk: Buffer): boolean }

export function createFrameGuard(maxPacketSize: number, onOversize: (size: number) => void): FrameGuard {
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
      if (header.length === 1) continue;
      const last = header[header.length - 1]!;
      if ((last & 0x80) !== 0 && header.length < 5) continue;
      let remaining = 0;
      for (let k = header.length - 1; k >= 1; k--) remaining = remaining * 128 + (header[k]! & 0x7f);
      const size = header.length + remaining;
      header = [];
      if (maxPacketSize > 0 && size > maxPacketSize) { tripped = true; onOversize(size); return false; }
      skip = remaining;
    }
    return true;
  };
}
