/**
 * The fixed statements around every read: a read-only transaction (the request settings that
 * follow BEGIN are written by libs/identity's requestSettingsStatement, as on every path).
 */
export const BEGIN_READ_ONLY = 'BEGIN READ ONLY';

export const COMMIT = 'COMMIT';
