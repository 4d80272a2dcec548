// In the browser build there are no files.
export function readFileSync(): never { throw new Error('a browser has no files'); }
