/** Resolves on the stream's drain, or when the call is cancelled or closed. */
export function drained(call: NodeJS.EventEmitter & { cancelled?: boolean }): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      call.off('drain', done);
      call.off('cancelled', done);
      call.off('close', done);
      resolve();
    };
    call.once('drain', done);
    call.once('cancelled', done);
    call.once('close', done);
  });
}
