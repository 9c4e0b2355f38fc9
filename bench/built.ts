import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../', import.meta.url));
const built = join(root, 'dist/cli/main.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Benchmarks measure what `seatwise` runs: the compiled build in dist/ (bin/seatwise.js runs it whenever it is
 * up to date). Compiles it first when it is missing or older than a source file.
 */
export function ensureBuilt(): void {
  if (existsSync(built) && statSync(built).mtimeMs >= newestSource(join(root, 'src'))) return;
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('could not compile Seatwise for the benchmark (tsc failed)');
}

/**
 * A benchmark's child process as plain JavaScript that imports the build in dist/ instead of src/: no
 * TypeScript loader in the process being measured (it alone adds tens of megabytes and its own CPU).
 * Returns the compiled file's path.
 */
export function compiledRunner(file: URL): string {
  ensureBuilt();
  const source = readFileSync(file, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const dist = pathToFileURL(join(root, 'dist/')).href;
  const code = outputText.replace(
    /(['"])\.\.\/src\/([^'"]+)\.ts\1/g,
    (_all, quote, path) => `${quote}${dist}${path}.js${quote}`,
  );
  if (/['"]\.\.?\//.test(code))
    throw new Error(`${fileURLToPath(file)} imports a file outside src/: it cannot run compiled`);
  // Inside the project, so the packages it imports resolve from node_modules.
  const dir = join(root, 'node_modules/.cache/seatwise-bench');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${basename(fileURLToPath(file), '.ts')}.mjs`);
  writeFileSync(out, code);
  return out;
}
