// In the browser build, `mqtt` is the global that mqtt.js' browser bundle defines.
const mqtt = (globalThis as unknown as { mqtt: { Store: unknown } }).mqtt;
export default mqtt;
/** the firmware's resend store extends mqtt.js' own (support/emulator/resend-store.ts) */
export const Store = mqtt.Store;
