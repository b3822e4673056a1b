export { apiKeySecretMatches, hashApiKeySecret, issueApiKey, parseApiKey, API_KEY_PREFIX, type IssuedApiKey } from './api-key';
export { ApiKeyDirectory, type ApiKeyDirectoryOptions } from './api-key-directory';
export { decodeApiKeyRecord, encodeApiKeyRecord, type ApiKeyRecord } from './api-key-record';
export { authConfigShape, authOptionsFromConfig } from './auth-config';
export { callerFromClaims, DEFAULT_CLAIM_NAMES, SCOPE_ROLE_PREFIX, type ClaimNames } from './claims-caller';
export {
  createJwtVerifier,
  JWKS_ALGORITHMS,
  type JwksAlgorithm,
  type JwksOptions,
  type JwtVerifier,
  type JwtVerifierOptions,
} from './jwt-verifier';
export {
  assertDevAuthAllowed,
  createAuthResolver,
  credentialExpiresAt,
  type AuthHeaders,
  type AuthOptions,
  type AuthResolver,
} from './resolve-auth';
export { API_KEY_SUBJECT_PREFIX, assertApiKeyCallerValid, verifyApiKey } from './verify-api-key';
