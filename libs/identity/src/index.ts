export { ANONYMOUS_CALLER, MAX_ROLES, MAX_SUBJECT_LENGTH, requireOrg, toCaller } from './caller';
export type { AuthenticatedCaller, Caller, CallerInput } from './caller';
export { isUuid, NIL_UUID, normalizeUuid } from './uuid';
export { requestSettingsStatement, SET_REQUEST_SETTINGS_SQL } from './request-settings';
export type { RequestSettings } from './request-settings';
