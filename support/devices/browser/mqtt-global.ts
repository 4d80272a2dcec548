// In the browser build, `mqtt` is the global that mqtt.js' browser bundle defines.
export default (globalThis as unknown as { mqtt: unknown }).mqtt;
