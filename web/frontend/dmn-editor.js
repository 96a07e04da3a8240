// The decision-table editor of motivation schemes: dmn-js's decision-table editor alone (no DRD).
// Saving sends the XML to the server, which checks it with Reglament's own DMN reader and stores
// it in the scheme's draft version, or answers with the problem (table, rule, cell).
import EditingManager from 'dmn-js-shared/lib/base/EditingManager';
import DecisionTableEditor from 'dmn-js-decision-table/lib/Editor';
import { is } from 'dmn-js-shared/lib/util/ModelUtil';
import { translateModule } from './i18n/translate.js';

class TableEditor extends EditingManager {
  _getViewProviders() {
    return [{
      id: 'decisionTable',
      constructor: DecisionTableEditor,
      opens(element) {
        return is(element, 'dmn:Decision') && is(element.decisionLogic, 'dmn:DecisionTable');
      },
    }];
  }
}

const config = JSON.parse(document.getElementById('dmn-config').textContent);
const labels = config.labels;
const status = document.getElementById('dmn-status');
const problem = document.getElementById('dmn-problem');
const container = document.getElementById('dmn-editor');

const translation = translateModule();
const editor = new TableEditor({
  container, width: '100%', height: 'auto',
  decisionTable: { additionalModules: translation ? [translation] : [] }, // Russian when the page is
});
window.reglamentDmnEditor = editor;

function say(message, kind, link) {
  status.replaceChildren(document.createTextNode(message || ''));
  if (link) {
    const a = document.createElement('a');
    a.href = link.href;
    a.textContent = link.text;
    a.id = 'dmn-scheme-link';
    status.append(' ', a);
  }
  status.className = `flash ${kind || ''}`;
  status.hidden = !message;
}

function clearProblem() {
  for (const cell of container.querySelectorAll('.rg-problem')) cell.classList.remove('rg-problem');
  problem.textContent = '';
  problem.hidden = true;
}

function showProblem(message, details) {
  clearProblem();
  problem.textContent = message;
  problem.hidden = false;
  const cellId = details && details.cell_id;
  if (cellId) {
    const cell = container.querySelector(`[data-element-id="${CSS.escape(cellId)}"]`);
    if (cell) {
      cell.classList.add('rg-problem');
      cell.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    }
  }
}

async function currentXml() {
  // Cells commit what was typed on input (some editors after a short pause): leave the cell first.
  if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
  await new Promise((resolve) => setTimeout(resolve, 350));
  const { xml } = await editor.saveXML({ format: true });
  return xml;
}

async function save() {
  const button = document.getElementById('dmn-save');
  button.disabled = true;
  say(labels.saving, '');
  try {
    const xml = await currentXml();
    const response = await fetch(config.saveUrl, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/xml', Accept: 'application/json', 'X-CSRFToken': config.csrf },
      body: xml,
    });
    const body = await response.json().catch(() => ({ message: response.statusText }));
    if (response.ok) {
      clearProblem();
      say(labels.saved.replace('%(version)s', body.version), 'success',
        { href: body.scheme_url, text: labels.toScheme });
      document.body.dataset.saved = String(body.version);
      const back = document.getElementById('back-to-scheme');
      if (back) {
        back.href = body.scheme_url;
        back.textContent = `${config.scheme} v${body.version}`;
      }
    } else if (response.status === 422) {
      showProblem(body.message, body.details);
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
  link.download = `${config.table}.dmn`;
  link.click();
  URL.revokeObjectURL(link.href);
}

async function open() {
  try {
    const response = await fetch(config.xmlUrl, { credentials: 'same-origin' });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    const { warnings } = await editor.importXML(await response.text());
    const view = editor.getViews().find((v) => v.id === config.table);
    if (view && view !== editor.getActiveView()) await editor.open(view);
    if (warnings.length) say(`${labels.warnings}: ${warnings.length}`, '');
    document.body.dataset.dmn = 'ready';
  } catch (err) {
    say(`${labels.failed}: ${err.message}`, 'error');
    document.body.dataset.dmn = 'failed';
  }
}

document.getElementById('dmn-save').addEventListener('click', save);
document.getElementById('dmn-download').addEventListener('click', download);
open();
