// Prints the generated CRDs (and crds/kustomization.yaml) to stdout, or with --write writes them
// into crds/ at the repository root. Run it through `npm run crdgen` after changing src/api.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from './crds.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const files = generatedFiles();

if (process.argv.includes('--write')) {
  for (const [path, content] of files) {
    const target = join(root, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
    console.log(`wrote ${path}`);
  }
} else {
  for (const [path, content] of files) {
    if (path.endsWith('kustomization.yaml')) continue;
    process.stdout.write(`---\n${content}`);
  }
}
