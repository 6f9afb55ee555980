/**
 * jose, loaded on first use: only `client-credentials` connections sign assertions and DPoP proofs,
 * so an API cold start (reads, api-token connections) never pays for loading it (test/api/bundle.test.ts).
 */
let loaded: Promise<typeof import("jose")> | undefined;
export const jose = () => (loaded ??= import("jose"));
