import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedFiles } from '../../../src/api/crds.ts';

const root = join(import.meta.dirname, '..', '..', '..');

describe('crds/', () => {
  for (const [path, expected] of generatedFiles()) {
    it(`${path} is what src/api generates`, () => {
      let actual: string;
      try {
        actual = readFileSync(join(root, path), 'utf8');
      } catch {
        throw new Error(`${path} is missing: run \`npm run crdgen\` and commit the result`);
      }
      // One readable sentence instead of a 600-line diff when the source changed.
      if (actual !== expected) {
        expect.fail(
          `${path} differs from the output of src/api/crdgen.ts: run \`npm run crdgen\` and commit crds/`,
        );
      }
    });
  }
});
