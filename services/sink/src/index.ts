export { createSink } from './create-sink';
export type { Sink, SinkOptions } from './create-sink';
export { sinkConfig } from './config';
export type { SinkConfig } from './config';
