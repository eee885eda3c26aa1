// Where the repository is, for the helpers that spawn its entry points or read its manifests from any cwd.
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
