export { getPath } from './json-path.js'
export { renderDeep, renderRecord, renderTemplate, templateValue } from './template.js'
export type { TemplateScopes } from './template.js'
