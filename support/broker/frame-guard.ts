// Watches the frame headers of incoming MQTT bytes, so an oversized packet is refused as soon as
// its header announces the size, before the broker buffers it, and so the harness can make the
// broker lose a chosen packet (the connection drops as it arrives).

export interface FrameGuard {
  (chunk: Buffer): boolean;
}

export interface FrameGuardOptions {
  /** largest packet in bytes; 0: no limit */
  maxPacketSize: number;
  onOversize(size: number): void;
  /** called with each packet type (1–15) as its header arrives; false drops the chunk and stops */
  onFrame?(type: number): boolean;
}

export function createFrameGuard(o: FrameGuardOptions): FrameGuard {
  let skip = 0; // bytes of the current packet body still to pass
  // the fixed header of a packet whose length is not complete yet: bytes read, length so far
  let headerBytes = 0;
  let remaining = 0;
  let multiplier = 1;
  let tripped = false;
  return (chunk: Buffer): boolean => {
    if (tripped) return false;
    let i = 0;
    while (i < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - i);
        skip -= n;
        i += n;
        continue;
      }
      const b = chunk[i++]!;
      if (headerBytes === 0) {
        headerBytes = 1;
        remaining = 0;
        multiplier = 1;
        if (o.onFrame && !o.onFrame(b >> 4)) {
          tripped = true;
          return false;
        }
        continue;
      }
      remaining += (b & 0x7f) * multiplier;
      multiplier *= 128;
      headerBytes++;
      if ((b & 0x80) !== 0 && headerBytes < 5) continue;
      const size = headerBytes + remaining;
      headerBytes = 0;
      if (o.maxPacketSize > 0 && size > o.maxPacketSize) {
        tripped = true;
        o.onOversize(size);
        return false;
      }
      skip = remaining;
    }
    return true;
  };
}
