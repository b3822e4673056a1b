export { createAuthResolver, type AuthHeaders, type AuthOptions, type AuthResolver } from './resolve-auth';
