import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { FraiseqlError } from '@fraiseql/errors';

/** One document to push, with where it came from. */
export interface DocumentInput {
  text: string;
  /** `path` for a .graphql file, `path#<key>` for a manifest entry. */
  source: string;
  /** The id a manifest gave it (checked against the text's sha256 before anything is pushed). */
  claimedId?: string;
}

const DOCUMENT_EXTENSIONS = new Set(['.graphql', '.gql']);

/**
 * The documents of `fraiseql documents push` arguments: `.graphql`/`.gql` files (one document each,
 * fragments included), directories (searched recursively for them, in name order), and JSON manifests
 * `{ "<hash>": "<document>" }` as Relay and GraphQL Codegen persisted-documents write them.
 */
export async function readDocumentInputs(paths: readonly string[]): Promise<DocumentInput[]> {
  const inputs: DocumentInput[] = [];
  for (const path of paths) {
    const full = resolve(path);
    const info = await stat(full).catch((error: unknown) => {
      throw new FraiseqlError('FRAISEQL_BAD_REQUEST', `cannot read ${full}: ${(error as Error).message}`, { cause: error });
    });
    if (info.isDirectory()) {
      for (const file of await documentFilesUnder(full)) inputs.push({ text: await readFile(file, 'utf8'), source: file });
    } else if (extname(full) === '.json') {
      inputs.push(...(await readManifest(full)));
    } else {
      inputs.push({ text: await readFile(full, 'utf8'), source: full });
    }
  }
  return inputs;
}

async function documentFilesUnder(dir: string): Promise<string[]> {
  const files: string[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await documentFilesUnder(path)));
    else if (entry.isFile() && DOCUMENT_EXTENSIONS.has(extname(entry.name))) files.push(path);
  }
  return files;
}

async function readManifest(file: string): Promise<DocumentInput[]> {
  let manifest: unknown;
  try {
    manifest = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new FraiseqlError('FRAISEQL_BAD_REQUEST', `${file} is not a JSON manifest: ${(error as Error).message}`, { cause: error });
  }
  if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) {
    throw new FraiseqlError('FRAISEQL_BAD_REQUEST', `${file} must be a JSON object { "<sha256>": "<document>" }`);
  }
  return Object.entries(manifest as Record<string, unknown>).map(([key, text]) => {
    if (typeof text !== 'string') throw new FraiseqlError('FRAISEQL_BAD_REQUEST', `${file}#${key}: the document must be a string`);
    return { text, source: `${file}#${key}`, claimedId: key };
  });
}
