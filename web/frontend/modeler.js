// The regulation modeler: bpmn-js with the Camunda 7 properties panel. Saving sends the XML to
// the server, which validates it and deploys a new version, or answers with the problems.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule,
} from 'bpmn-js-properties-panel';
import CamundaBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-platform';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';
import { translateModule } from './i18n/translate.js';

const config = JSON.parse(document.getElementById('modeler-config').textContent);
const labels = config.labels;
const status = document.getElementById('modeler-status');
const problemList = document.getElementById('problems');

const modeler = new BpmnModeler({
  container: '#canvas',
  propertiesPanel: { parent: '#properties' },
  additionalModules: [
    BpmnPropertiesPanelModule,
    BpmnPropertiesProviderModule,
    CamundaPlatformPropertiesProviderModule,
    CamundaBehaviorsModule,
    ...[translateModule()].filter(Boolean), // Russian when the page is (bpmn-js-i18n and ours)
  ],
  moddleExtensions: { camunda: camundaModdle },
});
window.reglamentModeler = modeler;

let marked = [];

function say(message, kind) {
  status.textContent = message;
  status.className = `flash ${kind || ''}`;
  status.hidden = !message;
}

function clearProblems() {
  const canvas = modeler.get('canvas');
  for (const id of marked) canvas.removeMarker(id, 'rg-problem');
  marked = [];
  problemList.replaceChildren();
  problemList.hidden = true;
}

function showProblems(problems) {
  clearProblems();
  const canvas = modeler.get('canvas');
  const registry = modeler.get('elementRegistry');
  for (const problem of problems) {
    const li = document.createElement('li');
    const element = problem.element_id ? registry.get(problem.element_id) : null;
    const name = problem.element_name || (element && element.businessObject.name) || '';
    const where = problem.element_id ? `${name ? name + ' ' : ''}(${problem.element_id})` : labels.document;
    const strong = document.createElement('strong');
    strong.textContent = where;
    li.appendChild(strong);
    li.appendChild(document.createTextNode(`: ${problem.text || problem.message}`));
    li.dataset.elementId = problem.element_id || '';
    if (element) {
      canvas.addMarker(element.id, 'rg-problem');
      marked.push(element.id);
      li.classList.add('clickable');
      li.addEventListener('click', () => {
        modeler.get('selection').select(element);
        canvas.scrollToElement(element);
      });
    }
    problemList.appendChild(li);
  }
  problemList.hidden = problems.length === 0;
}

async function currentXml() {
  // The properties panel commits typed values on blur (or ~600 ms after typing).
  if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const { xml } = await modeler.saveXML({ format: true });
  return xml;
}

async function save() {
  const button = document.getElementById('save');
  button.disabled = true;
  say(labels.saving, '');
  try {
    const xml = await currentXml();
    // the new version's label or comment (optional), stored with it and shown in its history
    const comment = (document.getElementById('deploy-comment') || { value: '' }).value.trim();
    const url = comment ? `${config.saveUrl}?comment=${encodeURIComponent(comment)}` : config.saveUrl;
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/xml', Accept: 'application/json', 'X-CSRFToken': config.csrf },
      body: xml,
    });
    const body = await response.json().catch(() => ({ message: response.statusText }));
    if (response.ok) {
      clearProblems();
      if (body.warnings && body.warnings.length) showProblems(body.warnings);  // deployed; a cycle will stop there
      const message = body.created ? labels.deployed.replace('%(version)s', body.version)
        : labels.unchanged.replace('%(version)s', body.version);
      say(message, 'success');
      dirty = false;
      if (body.created && document.getElementById('deploy-comment')) document.getElementById('deploy-comment').value = '';
      document.body.dataset.dirty = 'false';
      document.body.dataset.saved = String(body.version);
      if (config.afterSave && body.key) window.history.replaceState(null, '', config.afterSave.replace('__KEY__', body.key));
    } else if (response.status === 422 && body.details && body.details.problems) {
      showProblems(body.details.problems);
      say(labels.invalid, 'error');
    } else {
      say(body.message || `${response.status}`, 'error');
    }
  } catch (err) {
    say(`${labels.failed}: ${err.message}`, 'error');
  } finally {
    button.disabled = false;
  }
}

async function download() {
  const xml = await currentXml();
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([xml], { type: 'application/xml' }));
  link.download = `${config.key || 'regulation'}.bpmn`;
  link.click();
  URL.revokeObjectURL(link.href);
}

const ACTIVITI = 'http://activiti.org/bpmn';
const CAMUNDA = 'http://camunda.org/schema/1.0/bpmn';

// Camunda 7 reads Activiti's extension namespace as its own; the modeler edits Camunda's. A file
// that binds the camunda prefix to Activiti's namespace would otherwise clash on export.
async function importRegulation(xml) {
  const converted = xml.includes(ACTIVITI) ? xml.split(ACTIVITI).join(CAMUNDA) : xml;
  const result = await modeler.importXML(converted);
  return { ...result, converted: converted !== xml };
}
window.reglamentImport = importRegulation;

async function open() {
  try {
    const response = await fetch(config.xmlUrl, { credentials: 'same-origin' });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    const { warnings, converted } = await importRegulation(await response.text());
    if (converted) say(labels.converted, '');
    modeler.get('canvas').zoom('fit-viewport', 'auto');
    if (warnings.length) say(`${labels.warnings}: ${warnings.length}`, '');
    document.body.dataset.modeler = 'ready';
  } catch (err) {
    say(/no diagram to display/.test(err.message) ? labels.noLayout : `${labels.failed}: ${err.message}`, 'error');
    document.body.dataset.modeler = 'failed';
  }
}

// Unsaved changes: the browser asks before the page is left (reload, a link, closing the tab).
let dirty = false;
modeler.on('commandStack.changed', () => { dirty = true; document.body.dataset.dirty = 'true'; });
window.addEventListener('beforeunload', (event) => {
  if (!dirty) return undefined;
  event.preventDefault();
  event.returnValue = labels.unsaved || '';
  return event.returnValue;
});

// The properties panel can be hidden: the canvas then takes the whole width (remembered per browser).
const toggle = document.getElementById('toggle-properties');
function showProperties(shown) {
  document.querySelector('.modeler').classList.toggle('no-properties', !shown);
  toggle.setAttribute('aria-expanded', String(shown));
  toggle.textContent = shown ? toggle.dataset.hide : toggle.dataset.show;
  modeler.get('canvas').resized();
  try { window.localStorage.setItem('reglament.properties', shown ? 'shown' : 'hidden'); } catch (err) { /* private mode */ }
}
if (toggle) {
  toggle.addEventListener('click', () => showProperties(toggle.getAttribute('aria-expanded') !== 'true'));
  let stored = null;
  try { stored = window.localStorage.getItem('reglament.properties'); } catch (err) { /* private mode */ }
  if (stored === 'hidden') showProperties(false);
}

document.getElementById('save').addEventListener('click', save);
document.getElementById('download').addEventListener('click', download);
open();
