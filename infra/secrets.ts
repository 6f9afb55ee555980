/**
 * Keys the `credentialsHash` HMAC (functions/core/connections/sealing.ts). Generated once per stage
 * and kept in the stack's state; the API and the provisioning intake get the same one, since
 * provisioning compares desired credentials with the stored hash.
 */
export const credentialsHashKey = new random.RandomPassword("CredentialsHashKey", { length: 64, special: false });
