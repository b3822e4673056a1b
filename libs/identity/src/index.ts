export { ANONYMOUS_CALLER, requireOrg, toCaller } from './caller';
export type { AuthenticatedCaller, Caller, CallerInput } from './caller';
export { isUuid, NIL_UUID, normalizeUuid } from './uuid';
export { requestSettingsStatement } from './request-settings';
export type { RequestSettings } from './request-settings';
