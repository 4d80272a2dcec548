import { buildTimeline } from '../support/report/timeline.ts';
const t = performance.now();
const index = await buildTimeline('/tmp/million.jsonl', '/tmp/tl-out');
console.log(JSON.stringify({ ms: performance.now() - t, maxRssMiB: process.resourceUsage().maxRSS / 1024, events: index.events }));
