/** Where export files go: a local directory or an S3-compatible bucket. Keys are relative, `/`-separated. */
export interface ExportStore {
  readonly kind: 'local' | 's3';
  /**
   * Writes the object from `body`, pulling it as fast as the store takes it. The object becomes visible
   * only once complete: if `body` throws, nothing is left under `key` and the error is rethrown.
   */
  put(
    key: string,
    body: NodeJS.ReadableStream | AsyncIterable<Uint8Array>,
    contentType: string,
  ): Promise<{ location: string; sizeBytes: number }>;
  open(key: string): Promise<NodeJS.ReadableStream>;
  /** null when there is no object under `key`. */
  stat(key: string): Promise<{ sizeBytes: number } | null>;
  /** Deletes the object; deleting a missing one is not an error. */
  delete(key: string): Promise<void>;
}
