// What PostgreSQL says when a constraint refuses a write, read off the driver's error.

/** A unique index refused the row (two first saves at once, a taken address). */
export const isUniqueViolation = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === '23505';

/** The name of the constraint that refused the write, if any. */
export const constraintOf = (error: unknown): unknown => (error as { constraint?: unknown } | null)?.constraint;
