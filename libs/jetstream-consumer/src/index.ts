export { startEventConsumer } from './event-consumer';
export type { Delivery, EventConsumer, EventConsumerOptions, EventHandler } from './event-consumer';
export { createConsumerMetrics } from './consumer-metrics';
export type { ConsumerMetrics, ConsumerMetricsOptions } from './consumer-metrics';
export { RedisDedup } from './redis-dedup';
export type { RedisDedupOptions } from './redis-dedup';
