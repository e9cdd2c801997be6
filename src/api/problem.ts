/**
 * Errors of the admin API, answered as RFC 9457 problem JSON. Anything thrown inside an /api
 * route that is not a Problem becomes a 500 with no detail (the cause goes to the log only).
 */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
  }

  toJSON(): Record<string, unknown> {
    return {
      type: `https://scimflow.dev/problems/${this.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
      title: this.title,
      status: this.status,
      ...(this.detail ? { detail: this.detail } : {}),
      ...this.extra,
    };
  }
}

export const badRequest = (detail: string, extra?: Record<string, unknown>) => new Problem(400, 'Bad Request', detail, extra);
export const unauthorized = (detail = 'a valid admin bearer token is required') => new Problem(401, 'Unauthorized', detail);
export const notFound = (detail: string) => new Problem(404, 'Not Found', detail);
export const conflict = (detail: string) => new Problem(409, 'Conflict', detail);
