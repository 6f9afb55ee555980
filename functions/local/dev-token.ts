import { SignJWT } from "jose";

export interface DevClaims {
  sub: string;
  orgId: string;
  orgRole?: "admin" | "member";
  projects?: Record<string, "admin" | "member" | "viewer">;
  ttlSeconds?: number;
}

/** Mints an HS256 token the local server accepts (contract section 3 claims). */
export async function mintDevToken(secret: string, claims: DevClaims): Promise<string> {
  return new SignJWT({ org_id: claims.orgId, org_role: claims.orgRole ?? "member", projects: claims.projects ?? {} })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (claims.ttlSeconds ?? 12 * 3600))
    .sign(new TextEncoder().encode(secret));
}
