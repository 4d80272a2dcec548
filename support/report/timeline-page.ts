// The timeline page: static HTML, CSS and script; the data comes from data/index.js and the
// chunk scripts it names, loaded one at a time.
export const TIMELINE_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>c8y-hil traffic timeline</title>
<style>
 body { font: 13px/1.4 system-ui, sans-serif; margin: 0; color: #222; }
 header { position: sticky; top: 0; background: #f4f6f8; border-bottom: 1px solid #ccd; padding: 8px 12px; z-index: 1; }
 h1 { font-size: 16px; margin: 0 0 6px; }
 .controls label { margin-right: 10px; }
 select { max-width: 220px; }
 table { border-collapse: collapse; width: 100%; table-layout: fixed; }
 th, td { border-bottom: 1px solid #eee; padding: 3px 6px; vertical-align: top; overflow-wrap: anywhere; }
 th { background: #fafbfc; text-align: left; position: sticky; top: var(--header-h, 84px); }
 td.t { width: 90px; text-align: right; color: #666; font-variant-numeric: tabular-nums; }
 col.t { width: 90px; } col.lane { width: 31%; }
 tr.finding td { background: #ffe9e9; }
 tr.harness td { background: #f0f3ff; color: #345; font-style: italic; }
 .what { font-weight: 600; }
 .topic { color: #075; font-family: ui-monospace, monospace; }
 .sr { font-family: ui-monospace, monospace; white-space: pre-wrap; }
 .name { color: #777; font-family: system-ui, sans-serif; }
 .bad { color: #b00; font-weight: 600; }
 #status { color: #555; margin-left: 10px; }
 @media print { header { position: static; } th { position: static; } }
</style></head>
<body>
<header>
 <h1>Traffic timeline <span id="title"></span> <a id="sequence" href="sequence.svg">sequence diagram</a></h1>
 <div class="controls">
  <label>client <select id="client"><option value="">all</option></select></label>
  <label>topic <select id="topic"><option value="">all</option></select></label>
  <label>packet <select id="type"><option value="">all</option></select></label>
  <label><input type="checkbox" id="findings"> findings only</label>
  <button id="prev">◀ previous</button> <button id="next">next ▶</button>
  <span id="status"></span>
 </div>
</header>
<table><colgroup><col class="t"><col class="lane"><col class="lane"><col class="lane"></colgroup>
<thead><tr><th>ms</th><th>device</th><th>broker</th><th>platform</th></tr></thead><tbody id="rows"></tbody></table>
<script>
const PAGE = 200;
let index, pending = {}, pages = [{ chunk: 0, row: 0 }], page = 0;
function load(src) { return new Promise((ok, fail) => { const s = document.createElement('script'); s.src = src; s.onload = () => { s.remove(); ok(); }; s.onerror = () => fail(new Error('cannot load ' + src)); document.head.appendChild(s); }); }
window.__c8yIndex = (i) => { index = i; };
window.__c8yChunk = (key, rows) => { pending[key] = rows; };
let held = { n: -1, rows: null };
// one chunk is held at a time: paging within it loads nothing, moving on replaces it
async function chunk(n) {
  if (held.n === n) return held.rows;
  const key = index.chunks[n].key;
  if (!pending[key]) await load('data/' + key + '.js');
  held = { n, rows: pending[key] }; pending = {}; return held.rows;
}
const el = (id) => document.getElementById(id);
function filters() { return { client: el('client').value, topic: el('topic').value, type: el('type').value, findings: el('findings').checked }; }
function chunkMayMatch(c, f) { return (!f.client || c.clients.includes(f.client)) && (!f.topic || c.topics.includes(f.topic)) && (!f.type || c.types.includes(f.type)) && (!f.findings || c.findings > 0); }
function rowMatches(r, f) { return (!f.client || r[5] === f.client) && (!f.topic || r[6] === f.topic) && (!f.type || r[7] === f.type) && (!f.findings || r[8] === 1); }
function text(s) { const d = document.createElement('span'); d.textContent = s; return d.innerHTML; }
function render(r) {
  let body = '<span class="what">' + r[3] + ' ' + text(r[4]) + '</span>';
  if (r[6]) body += ' <span class="topic">' + text(r[6]) + '</span>';
  if (r[5] && r[2] !== 'platform') body += ' <span class="name">' + text(r[5]) + '</span>';
  for (const [line, name, bad] of r[10]) body += '<div class="sr">' + text(line) + (name ? ' <span class="name">[' + text(name) + ']</span>' : '') + (bad.length ? ' <span class="bad">!! ' + text(bad.join(', ')) + '</span>' : '') + '</div>';
  if (r[9]) body += '<div>' + text(r[9]) + '</div>';
  const lanes = { device: '', broker: '', platform: '' };
  const cls = (r[8] ? 'finding ' : '') + (r[2] === 'harness' ? 'harness' : '');
  if (r[2] === 'harness') return '<tr class="' + cls + '" data-seq="' + r[0] + '"><td class="t">' + r[1].toFixed(1) + '</td><td colspan="3">' + body + '</td></tr>';
  lanes[r[2]] = body;
  return '<tr class="' + cls + '" data-seq="' + r[0] + '"><td class="t">' + r[1].toFixed(1) + '</td><td>' + lanes.device + '</td><td>' + lanes.broker + '</td><td>' + lanes.platform + '</td></tr>';
}
async function show() {
  const f = filters(); const start = pages[page]; const out = [];
  let c = start.chunk, r = start.row;
  el('status').textContent = 'loading…';
  while (c < index.chunks.length && out.length < PAGE) {
    if (!chunkMayMatch(index.chunks[c], f)) { c++; r = 0; continue; }
    const rows = await chunk(c);
    for (; r < rows.length && out.length < PAGE; r++) if (rowMatches(rows[r], f)) out.push(rows[r]);
    if (r >= rows.length) { c++; r = 0; }
  }
  pages[page + 1] = { chunk: c, row: r };
  el('rows').innerHTML = out.map(render).join('') || '<tr><td></td><td colspan="3">no events match</td></tr>';
  el('prev').disabled = page === 0; el('next').disabled = c >= index.chunks.length;
  el('status').textContent = 'page ' + (page + 1) + ' · ' + out.length + ' events shown · ' + index.events + ' in the record · ' + index.findings + ' findings';
  // the table's head sticks just below the header, whatever height the header wrapped to
  document.documentElement.style.setProperty('--header-h', document.querySelector('header').offsetHeight + 'px');
  document.body.dataset.ready = '1';
}
function restart() { pages = [{ chunk: 0, row: 0 }]; page = 0; show(); }
(async () => {
  await load('data/index.js');
  el('title').textContent = '— ' + (index.meta.scenario || index.record);
  for (const [id, values] of [['client', index.clients], ['topic', index.topics], ['type', index.types]]) for (const v of values) { const o = document.createElement('option'); o.value = o.textContent = v; el(id).appendChild(o); }
  for (const id of ['client', 'topic', 'type', 'findings']) el(id).addEventListener('change', restart);
  el('next').addEventListener('click', () => { page++; show(); });
  el('prev').addEventListener('click', () => { if (page > 0) { page--; show(); } });
  const q = new URLSearchParams(location.search);
  for (const k of ['client', 'topic', 'type']) if (q.get(k)) el(k).value = q.get(k);
  if (q.get('findings')) el('findings').checked = true;
  show();
})();
</script></body></html>
`;
