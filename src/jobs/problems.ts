/**
 * Why a job use case refused, for the routes and CLI verbs to translate. A module of its own
 * so that the admin API can recognise it without loading the Temporal client.
 */
export class JobProblem extends Error {
  constructor(readonly kind: 'notFound' | 'conflict' | 'invalid' | 'unavailable', message: string) {
    super(message);
  }
}
