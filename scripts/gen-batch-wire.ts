// Writes src/azure/batch/wire.ts (the Batch data-plane wire types at api-version 2025-06-01) from
// test/contract/azure-batch-2025-06-01.json; without --write it prints the file. Run it through
// `npm run gen:batch-wire` after changing the contract or the generator (scripts/batch-wire/).

import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WIRE_PATH, renderWire } from './batch-wire/render.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const text = await renderWire();

if (process.argv.includes('--write')) {
  writeFileSync(join(root, WIRE_PATH), text);
  console.log(`wrote ${WIRE_PATH}`);
} else {
  process.stdout.write(text);
}
