export { createSink } from './create-sink';
export type { Sink, SinkOptions } from './create-sink';
export { sinkConfig } from './config';
export type { SinkConfig } from './config';
export { sinkOptionsFromConfig } from './sink-options-from-config';
export { openClickhouseTables, openSearchStore, provisionSinkStores, sinkConsumers } from './sink-stores';
export type { SinkStoresReport } from './sink-stores';
