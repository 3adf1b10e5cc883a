import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, SignJWT } from 'jose';
import { AppError } from '../errors.js';
import { inputProblem } from '../input.js';
import { userClaimsSchema, type UserClaims, type UserIdentity } from './identity.js';

export interface TenantKeys {
  id: string;
  jwtSecret: string | null;
  jwksUrl: string | null;
  /** Where the tenant's pages live (see tenants.hostOrigins); cached with the keys. */
  hostOrigins?: string[];
}

export interface TokenServiceOptions {
  issuer: string;
  audience: string;
  ttlSeconds: number;
  getTenantKeys(tenantId: string): Promise<TenantKeys | undefined>;
}

// Named explicitly on every verification: a tenant's key type decides the family, so an
// RS256 public key can never be used as an HS256 secret and `none` is never accepted.
const SYMMETRIC = ['HS256'];
const ASYMMETRIC = ['RS256', 'PS256', 'ES256', 'EdDSA'];
const CLOCK_TOLERANCE_S = 5;

export type TokenService = ReturnType<typeof createTokenService>;

export function createTokenService(opts: TokenServiceOptions) {
  const jwksByUrl = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  const jwks = (url: string) => {
    let set = jwksByUrl.get(url);
    if (!set) jwksByUrl.set(url, (set = createRemoteJWKSet(new URL(url), { cooldownDuration: 30_000 })));
    return set;
  };
  const encoder = new TextEncoder();

  async function verify(token: unknown): Promise<UserIdentity> {
    if (typeof token !== 'string' || token.length === 0) {
      throw new AppError('token_missing', 'A user token is required');
    }
    if (token.length > 8192) throw new AppError('token_invalid', 'Token is too long');
    let alg: string | undefined;
    let unverifiedTenant: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
      unverifiedTenant = decodeJwt(token).tenant;
    } catch {
      throw new AppError('token_invalid', 'Token is not a well-formed JWT');
    }
    if (!alg || alg.toLowerCase() === 'none') {
      throw new AppError('token_algorithm', 'Unsigned tokens (alg "none") are refused');
    }
    // The unverified claim only picks which key to verify with; the verified claims are what count.
    if (typeof unverifiedTenant !== 'string' || unverifiedTenant.length === 0) {
      throw new AppError('token_claims', 'Token has no tenant claim');
    }
    const tenant = await opts.getTenantKeys(unverifiedTenant);
    if (!tenant || (!tenant.jwtSecret && !tenant.jwksUrl)) {
      throw new AppError('unknown_tenant', 'Token names a tenant this server does not know');
    }
    const common = {
      issuer: opts.issuer,
      audience: opts.audience,
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ['exp', 'sub'],
    };
    let payload: Record<string, unknown>;
    try {
      payload = tenant.jwksUrl
        ? (await jwtVerify(token, jwks(tenant.jwksUrl), { ...common, algorithms: ASYMMETRIC })).payload
        : (await jwtVerify(token, encoder.encode(tenant.jwtSecret!), { ...common, algorithms: SYMMETRIC }))
            .payload;
    } catch (err) {
      throw joseToAppError(err);
    }
    // jose checks `iat` only together with maxTokenAge: a token claiming to be issued later than now
    // is a forged clock or a broken signer, never a valid token.
    if (payload.iat !== undefined && (typeof payload.iat !== 'number' || payload.iat > Date.now() / 1000 + CLOCK_TOLERANCE_S)) {
      throw new AppError('token_issued_in_future', 'Token says it was issued in the future (iat); check the signer\'s clock');
    }
    const claims = userClaimsSchema.safeParse(payload);
    if (!claims.success) {
      const first = claims.error.issues[0];
      throw new AppError('token_claims', `Token claims are invalid: ${first?.path.join('.')}: ${first?.message}`);
    }
    // Claims end up in the database (directory, authors): the same limits as any other input.
    const problem = inputProblem(claims.data);
    if (problem) throw new AppError('token_claims', `Token claims are invalid: ${problem.path.join('.')}: ${problem.message}`);
    return {
      tenantId: claims.data.tenant,
      userId: claims.data.sub,
      name: claims.data.name,
      avatar: claims.data.avatar,
      roles: claims.data.roles,
      expertise: claims.data.expertise,
      perms: claims.data.perms,
      expiresAt: (payload.exp as number) * 1000,
    };
  }

  /** Signs a token with the tenant's HS256 secret, as a host app's back end would. */
  async function mint(tenantId: string, claims: Omit<UserClaims, 'tenant'>, ttlSeconds = opts.ttlSeconds) {
    const tenant = await opts.getTenantKeys(tenantId);
    if (!tenant?.jwtSecret) {
      throw new AppError('bad_request', 'This tenant verifies tokens with a JWKS URL; Tandem cannot sign for it');
    }
    const token = await new SignJWT({ ...claims, tenant: tenantId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(opts.issuer)
      .setAudience(opts.audience)
      .setSubject(claims.sub)
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(encoder.encode(tenant.jwtSecret));
    return { token, expiresAt: new Date(Date.now() + ttlSeconds * 1000).toISOString() };
  }

  return { verify, mint };
}

function joseToAppError(err: unknown): AppError {
  if (err instanceof errors.JWTExpired) return new AppError('token_expired', 'Token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return new AppError('token_not_yet_valid', 'Token is not valid yet (nbf in the future)');
    if (err.claim === 'iat') return new AppError('token_issued_in_future', 'Token says it was issued in the future (iat)');
    return new AppError('token_claims', `Token claim "${err.claim}" is invalid: ${err.reason}`);
  }
  if (err instanceof errors.JOSEAlgNotAllowed) {
    return new AppError('token_algorithm', 'Token is signed with an algorithm this tenant does not accept');
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return new AppError('token_signature', 'Token signature does not verify (tampered or signed with another key)');
  }
  if (err instanceof errors.JWKSNoMatchingKey) {
    return new AppError('token_signature', 'No key in the tenant JWKS matches this token');
  }
  if (err instanceof errors.JOSEError) return new AppError('token_invalid', `Token is invalid: ${err.message}`);
  throw err;
}
