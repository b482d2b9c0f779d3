export { apiKeyView, createApiKeyService } from './api-keys.js'
export type { ApiKeyService, IssuedApiKey, IssueApiKeyOptions } from './api-keys.js'
