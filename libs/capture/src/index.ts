export { generateCaptureTriggers } from './generate-capture-triggers';
export { captureTargets } from './capture-target';
export type { CaptureTarget, CapturedTable } from './capture-target';
export { quoteIdentifier, quoteLiteral, quoteRelation, snakeCase } from './sql-identifier';
