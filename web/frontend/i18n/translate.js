// Russian for the bpmn-js modeler, its Camunda 7 properties panel and the dmn-js decision-table
// editor: bpmn-js-i18n's community translation (palette, context pad, replace menu; MIT) completed
// with Reglament's own tables for the properties panel and dmn-js, which it does not cover.
// Used when the page's language (<html lang>) is Russian; other languages keep bpmn.io's English.
import bpmnRu from 'bpmn-js-i18n/translations/ru';
import panelRu from './ru-panel.js';
import dmnRu from './ru-dmn.js';

const TABLES = { ru: { ...bpmnRu, ...panelRu, ...dmnRu } };

export function pageLanguage() {
  return (document.documentElement.lang || 'en').slice(0, 2).toLowerCase();
}

export function translator(language) {
  const table = TABLES[language] || {};
  return function translate(template, replacements) {
    const text = table[template] || template;
    return text.replace(/{([^}]+)}/g, (whole, key) => (replacements && key in replacements ? replacements[key] : whole));
  };
}

// A didi module replacing bpmn.io's `translate` service; null when the language needs none.
export function translateModule(language = pageLanguage()) {
  if (!TABLES[language]) return null;
  return { translate: ['value', translator(language)] };
}
