export { getPath } from './json-path.js'
export { renderDeep, renderRecord, renderTemplate, templateValue, templateVariables } from './template.js'
export type { TemplateScopes } from './template.js'
