// serial: a board on a tty, named by path (/dev/ttyUSB0, /dev/serial/by-id/…) or found by its
// USB identity among the ports SerialPort.list() reports.
import { SerialPort } from 'serialport';
import type { LabDevice } from '../../lab-file.ts';
import { ProfileDevice } from '../profile-device.ts';
import { SerialConsole } from '../serial-console.ts';
import { DeviceUnavailable } from '../unavailable.ts';
import { registerDriver } from './registry.ts';

type UsbIdentity = NonNullable<NonNullable<LabDevice['serial']>['usb']>;

/** the tty of the one USB port with this identity; none or several is a clear error */
export async function portOfUsb(usb: UsbIdentity): Promise<string> {
  const same = (a: string | undefined, b: string) => a?.toLowerCase() === b.toLowerCase();
  const ports = await SerialPort.list();
  const found = ports.filter(
    (p) =>
      same(p.vendorId, usb.vendorId) &&
      same(p.productId, usb.productId) &&
      (usb.serialNumber === undefined || p.serialNumber === usb.serialNumber),
  );
  const wanted = `USB ${usb.vendorId}:${usb.productId}${usb.serialNumber ? ` serial ${usb.serialNumber}` : ''}`;
  if (found.length === 1) return found[0]!.path;
  const seen = ports.map((p) =>
    `${p.path} (${p.vendorId ?? '?'}:${p.productId ?? '?'} ${p.serialNumber ?? ''})`.trim(),
  );
  if (found.length === 0)
    throw new DeviceUnavailable(`no serial port is ${wanted}; ports: ${seen.join(', ') || 'none'}`);
  throw new Error(
    `${found.length} serial ports are ${wanted}: ${found.map((p) => p.path).join(', ')}; add serialNumber`,
  );
}

registerDriver({
  name: 'serial',
  talksOver: 'a board on a serial port',
  async open({ lab, profile, record }) {
    const s = lab.device.serial!;
    const path = s.path ?? (await portOfUsb(s.usb!));
    const console = await SerialConsole.open(lab.device.id, record, {
      path,
      baudRate: s.baudRate ?? profile.console.baudRate,
      newline: profile.console.newline,
      reattachTimeoutMs: profile.console.reattachTimeoutMs,
    });
    return new ProfileDevice(lab.device.id, profile, console, record);
  },
});
