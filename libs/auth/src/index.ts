export { assertDevAuthAllowed, createAuthResolver, type AuthHeaders, type AuthOptions, type AuthResolver } from './resolve-auth';
