// Read-only diagram viewer: zoom and pan; on a cycle page, the path the cycle took.
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';

function readConfig(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}

function text(tag, value, className) {
  const el = document.createElement(tag);
  el.textContent = value;
  if (className) el.className = className;
  return el;
}

function showRuns(panel, element, runs, labels) {
  panel.replaceChildren();
  const title = element.businessObject.name || element.id;
  panel.appendChild(text('h3', title));
  panel.appendChild(text('p', element.id, 'muted'));
  const list = runs[element.id] || [];
  if (!list.length) {
    panel.appendChild(text('p', labels.noRuns, 'muted'));
    return;
  }
  const ul = document.createElement('ul');
  ul.className = 'runs';
  for (const run of list) {
    const li = document.createElement('li');
    li.appendChild(text('strong', `${labels.events[run.type] || run.type}`));
    li.appendChild(text('span', ` · ${run.actor || labels.system} · ${new Date(run.at).toLocaleString()}`));
    const data = run.data && (run.data.variables || run.data);
    const entries = data ? Object.entries(data).filter(([, v]) => v !== null && v !== '' && !(Array.isArray(v) && !v.length)) : [];
    if (entries.length) {
      const dl = document.createElement('div');
      dl.className = 'run-data';
      for (const [k, v] of entries) dl.appendChild(text('span', `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`, 'kv'));
      li.appendChild(dl);
    }
    ul.appendChild(li);
  }
  panel.appendChild(ul);
}

async function main() {
  const config = readConfig('viewer-config');
  if (!config) return;
  const viewer = new NavigatedViewer({ container: '#canvas' });
  window.reglamentViewer = viewer;
  const status = document.getElementById('viewer-status');
  try {
    const response = await fetch(config.xmlUrl, { credentials: 'same-origin' });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    const { warnings } = await viewer.importXML(await response.text());
    viewer.get('canvas').zoom('fit-viewport', 'auto');
    if (warnings.length && status) status.textContent = `${config.labels.warnings}: ${warnings.length}`;
  } catch (err) {
    const text = /no diagram to display/.test(err.message) ? config.labels.noLayout : `${config.labels.failed}: ${err.message}`;
    if (status) { status.textContent = text; status.className = 'flash error'; }
    document.body.dataset.viewer = 'failed';
    return;
  }
  const path = config.path;
  if (path) {
    const canvas = viewer.get('canvas');
    const overlays = viewer.get('overlays');
    const registry = viewer.get('elementRegistry');
    for (const [id, count] of Object.entries(path.completed)) {
      if (!registry.get(id)) continue;
      canvas.addMarker(id, 'rg-completed');
      if (count > 1) overlays.add(id, { position: { top: -10, right: 10 }, html: `<div class="rg-count" title="${count}">${count}</div>` });
    }
    for (const id of path.active) if (registry.get(id)) canvas.addMarker(id, 'rg-active');
    for (const id of path.incident) if (registry.get(id)) canvas.addMarker(id, 'rg-incident');
    const panel = document.getElementById('element-runs');
    viewer.on('element.click', (event) => {
      if (panel && event.element.type !== 'bpmn:Process' && event.element.type !== 'bpmn:Collaboration') {
        showRuns(panel, event.element, path.runs, config.labels);
      }
    });
  }
  const waiting = config.waiting;  // a version's page: how many cycles wait at each element (the cockpit)
  if (waiting) {
    const canvas = viewer.get('canvas');
    const overlays = viewer.get('overlays');
    const registry = viewer.get('elementRegistry');
    for (const [id, counts] of Object.entries(waiting)) {
      if (!registry.get(id)) continue;
      const badge = document.createElement('a');
      badge.className = counts.incidents ? 'rg-count rg-waiting rg-has-incident' : 'rg-count rg-waiting';
      badge.href = counts.url;
      badge.textContent = counts.incidents ? `${counts.waiting} · ⚠ ${counts.incidents}` : String(counts.waiting);
      overlays.add(id, { position: { bottom: 10, left: -10 }, html: badge });
      if (counts.incidents) canvas.addMarker(id, 'rg-incident');
    }
  }
  const heat = config.heat;  // the control heat map: how many cycles passed each element (1-5)
  if (heat) {
    const canvas = viewer.get('canvas');
    const overlays = viewer.get('overlays');
    const registry = viewer.get('elementRegistry');
    for (const [id, figure] of Object.entries(heat)) {
      if (!registry.get(id) || !figure.heat) continue;
      canvas.addMarker(id, `rg-heat-${figure.heat}`);
      const badge = text('div', String(figure.cycles), 'rg-count rg-heat');
      badge.title = figure.title;
      overlays.add(id, { position: { top: -10, right: 10 }, html: badge });
    }
  }
  const diff = config.diff;  // the compare page: the newer version with what was added and changed
  if (diff) {
    const canvas = viewer.get('canvas');
    const registry = viewer.get('elementRegistry');
    for (const id of diff.added) if (registry.get(id)) canvas.addMarker(id, 'rg-added');
    for (const id of diff.changed) if (registry.get(id)) canvas.addMarker(id, 'rg-changed');
  }
  document.body.dataset.viewer = 'ready';
}

main();
