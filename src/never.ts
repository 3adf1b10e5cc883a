/** The default branch of an exhaustive switch over a discriminated union: unreachable by type. */
export function assertNever(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}
