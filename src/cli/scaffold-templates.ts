import { AUTH_TEMPLATES } from './scaffold-auth.js'
import type { ScaffoldAuth } from './scaffold-auth.js'

/** What a scaffolded package is made from. */
export interface ScaffoldInput {
  /** The npm package name, `acme-crm` or `@acme/crm`. */
  packageName: string
  /** The connector id and the bin's name: the package name without its scope. */
  id: string
  auth: ScaffoldAuth
  /** The `@patchbay/core` dependency as package.json writes it (`^0.1.0`, `file:…`). */
  coreSpec: string
}

/** Versions the package's dev tools are pinned to: those Patchbay itself is built and tested with. */
const DEV_DEPENDENCIES = {
  '@types/node': '^20.19.43',
  typescript: '^5.9.3',
  vitest: '^3.2.7',
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`

/** `acme-crm` → `Acme Crm`. */
function displayName(id: string): string {
  return id
    .split(/[-_]+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join(' ')
}

function packageJson(input: ScaffoldInput): string {
  return json({
    name: input.packageName,
    version: '0.1.0',
    description: `${displayName(input.id)} connector for Patchbay`,
    type: 'module',
    main: 'dist/index.js',
    types: 'dist/index.d.ts',
    exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
    bin: { [input.id]: 'dist/cli.js' },
    files: ['dist'],
    engines: { node: '>=20.18.1' },
    scripts: {
      build: 'tsc -p tsconfig.build.json',
      prepare: 'npm run build',
      test: 'vitest run',
      typecheck: 'tsc --noEmit',
      bundle: `patchbay build . --out dist/${input.id}.mjs`,
    },
    dependencies: { '@patchbay/core': input.coreSpec },
    devDependencies: DEV_DEPENDENCIES,
  })
}

const TSCONFIG = json({
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2023'],
    strict: true,
    noImplicitOverride: true,
    noUnusedLocals: true,
    verbatimModuleSyntax: true,
    skipLibCheck: true,
    types: ['node'],
    outDir: 'dist',
    rootDir: '.',
  },
  include: ['src', 'test'],
})

const TSCONFIG_BUILD = json({
  extends: './tsconfig.json',
  compilerOptions: { rootDir: 'src', outDir: 'dist', declaration: true, sourceMap: true },
  include: ['src'],
})

function settingsSource(): string {
  return `import { z } from '@patchbay/core'

/**
 * The connector's settings: what is not a secret (secrets go in auth, which Patchbay encrypts).
 * \`patchbay info\` publishes this schema as JSON Schema, and the Connect page renders it.
 */
export const settings = z.object({
  api_url: z
    .url()
    .default('https://api.example.com')
    .describe("The API's base URL: another one for a self-hosted instance or a local test server"),
})

export type Settings = z.infer<typeof settings>
`
}

function connectorSource(input: ScaffoldInput): string {
  const template = AUTH_TEMPLATES[input.auth]
  return `import { ${template.kitImport}, defineConnector, z } from '@patchbay/core'
import { settings } from './settings.js'

/** What the provider answers at \`GET /me\`: the account the credentials belong to. */
interface Account {
  id: string | number
}

/**
 * ${displayName(input.id)}: replace the URLs, the auth details and the capabilities with your
 * provider's, and record its answers in test/cases.json.
 */
export const connector = defineConnector({
  id: '${input.id}',
  name: '${displayName(input.id)}',
  description: 'Connects ${displayName(input.id)} accounts',
  categories: ['other'],
  settings,
  baseUrl: '{{api_url}}',
  // Lets api_url be http:// on this machine only (a local test server); https everywhere else.
  allowHttp: 'loopback',
${template.declaration}
  capabilities: {
    validate_credentials: {
      description: 'Checks the credentials by reading the account they belong to',
      request: z.object({}),
      response: z.object({ valid: z.boolean(), unique_tenant_id: z.string() }),
      // ctx.fetch carries the credentials; fetchJson turns a 401 into \`unauthorized\`, a 404
      // into \`not_found\`, and so on, with the status in the envelope.
      run: async (ctx) => {
        const account = await ctx.fetchJson<Account>('/me')
        return { valid: true, unique_tenant_id: String(account.id) }
      },
    },
  },
})

export default connector
`
}

// Line arrays, not template literals, where a line imports a relative path: the import-rule
// check (test/architecture.test.ts) reads any line starting with \`import\` as an import of this file.
function cliSource(input: ScaffoldInput): string {
  return [
    '#!/usr/bin/env node',
    `// \`${input.id} info\` and \`${input.id} call <capability> --json '…'\`: Patchbay's own info and call.`,
    "import { runConnectorCli } from '@patchbay/core/cli'",
    "import connector from './index.js'",
    '',
    `await runConnectorCli(connector, process.argv, { name: '${input.id}' })`,
    '',
  ].join('\n')
}

function casesJson(input: ScaffoldInput): string {
  const template = AUTH_TEMPLATES[input.auth]
  const exchange = (auth: Record<string, string>, status: number, body: unknown) => ({
    request: {
      method: 'GET',
      url: 'https://api.example.com/me',
      ...(Object.keys(template.headers(auth)).length > 0 ? { headers: template.headers(auth) } : {}),
    },
    response: { status, body },
  })
  return json({
    connector: input.id,
    docs: [],
    cases: [
      {
        name: 'valid credentials name the account as tenant',
        capability: 'validate_credentials',
        input: { settings: {}, auth: template.auth, request: {} },
        exchanges: [exchange(template.auth, 200, { id: 'acct_42', name: 'Test Account' })],
        expect: { ok: true, data: { valid: true, unique_tenant_id: 'acct_42' } },
      },
      {
        name: 'refused credentials are unauthorized',
        capability: 'validate_credentials',
        input: { settings: {}, auth: template.refusedAuth, request: {} },
        exchanges: [exchange(template.refusedAuth, 401, { error: 'invalid_credentials' })],
        expect: { ok: false, error: { code: 'unauthorized', status_code: 401 } },
      },
    ],
  })
}

const TEST_SOURCE = [
  "import { it } from 'vitest'",
  "import { connectorCases } from '@patchbay/core/testing'",
  "import connector from '../src/index.js'",
  '',
  "// One test per case of cases.json: the capability is called with the case's input, the",
  "// provider's recorded answers are replayed on loopback (a request not recorded fails the case),",
  '// and the envelope must be the expected one.',
  "for (const testCase of connectorCases(connector, new URL('./cases.json', import.meta.url))) {",
  '  it(testCase.name, testCase.run)',
  '}',
  '',
].join('\n')

function readme(input: ScaffoldInput): string {
  const template = AUTH_TEMPLATES[input.auth]
  const auth = JSON.stringify(template.auth)
  return `# ${input.packageName}

A [Patchbay](https://www.npmjs.com/package/@patchbay/core) connector for ${displayName(input.id)}.

Auth: ${template.readme}

## Develop

\`\`\`sh
npm install          # also builds dist/
npm test             # the cases of test/cases.json
npm run typecheck
\`\`\`

- \`src/index.ts\`: the definition (\`defineConnector\`): base URL, auth, capabilities.
- \`src/settings.ts\`: the settings schema (nothing secret).
- \`test/cases.json\`: each case names a capability, its input (\`settings\`, \`auth\`,
  \`request\`), the provider's recorded answers, and the envelope expected. Record the provider's
  answers as its docs show them; a request the connector makes that is not recorded fails the case.

## Try it against the provider

Put settings and credentials in \`patchbay.dev.json\` (ignored by git), then run the connector
from source. It runs again on every save, and refreshes or signs in again by itself for OAuth
(see Patchbay's docs/dev-mode.md):

\`\`\`sh
echo '{"auth": ${auth}}' > patchbay.dev.json
npx patchbay dev .                     # validate_credentials; or: npx patchbay dev . <capability> --json '{}'
\`\`\`

## Run

\`\`\`sh
npx ${input.id} info
npx ${input.id} call validate_credentials --json '{"auth": ${auth}, "request": {}}'
\`\`\`

The output is the envelope \`patchbay call\` prints: \`{"response", "page", "error"}\`; exit 0 on
success, 1 on a connector error, 2 on bad input.

## Use it in Patchbay

\`\`\`sh
patchbay connectors add .              # this folder, installed with npm
npm run bundle                         # or one file: dist/${input.id}.mjs
patchbay connectors add dist/${input.id}.mjs
\`\`\`

A running \`patchbay start\` loads it without a restart.
`
}

// Dev mode's database and key, and its config (which holds credentials), stay out of version control.
const GITIGNORE = 'node_modules/\ndist/\n.patchbay/\npatchbay.dev.json\n'

/** Every file of a new connector package, by relative path. */
export function scaffoldFiles(input: ScaffoldInput): Record<string, string> {
  return {
    'package.json': packageJson(input),
    'tsconfig.json': TSCONFIG,
    'tsconfig.build.json': TSCONFIG_BUILD,
    '.gitignore': GITIGNORE,
    'README.md': readme(input),
    'src/settings.ts': settingsSource(),
    'src/index.ts': connectorSource(input),
    'src/cli.ts': cliSource(input),
    'test/cases.json': casesJson(input),
    'test/connector.test.ts': TEST_SOURCE,
  }
}
