export * from './compiled-schema';
