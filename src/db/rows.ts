/** Row mapping shared by the stores: timestamps leave a store as ISO strings (or null). */
export const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
