// Compiles catalogue/providers/*.json into dist/catalogue.json and dist/catalogue-info.json (run
// by `npm run build`, after tsc): every declaration checked against the connector schema and
// described as `info` prints it, so a process reads one file and parses a declaration only when
// its connector is used.
import { CATALOGUE_PATHS, readCatalogueFiles, writeCompiledCatalogue } from '../dist/config/catalogue.js'
import { compileCatalogue } from '../dist/runtime/index.js'

try {
  const compiled = compileCatalogue(readCatalogueFiles(CATALOGUE_PATHS.providers))
  writeCompiledCatalogue(compiled)
  process.stdout.write(`catalogue: ${compiled.connectors.length} providers -> dist/catalogue.json\n`)
} catch (error) {
  const problems = error?.details?.problems ?? [String(error?.message ?? error)]
  process.stderr.write(`catalogue: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}\n`)
  process.exitCode = 1
}
