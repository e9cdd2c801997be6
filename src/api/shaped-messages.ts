import { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Node's request and response classes with every property that Express and scimflow add
 * during a request declared when the object is made.
 *
 * Express switches each request's and response's prototype (`Object.setPrototypeOf` to its
 * own `req`/`res`), and V8 then adds every new property the slow way: about 2.5 µs each,
 * measured, against under 0.1 µs for a property that already exists. A SCIM GET added nine
 * to the request and three to the response; declaring them cut a filter GET's CPU time by
 * about a third (bench:scim, paired runs), more than the additions alone had cost. The
 * values below are what the objects read before anything sets them (`statusCode` and
 * `_eventsCount` are otherwise inherited from the prototype), so nothing reads differently.
 *
 * A property missing from these lists still works; it only costs the slow addition again.
 * `npm run bench:scim` shows what that costs.
 */
export class ShapedRequest extends IncomingMessage {
  // Express and its middleware (app.handle, the router, parseurl's cache, body parsing)
  res: unknown = undefined;
  next: unknown = undefined;
  baseUrl: unknown = undefined;
  originalUrl: unknown = undefined;
  params: unknown = undefined;
  route: unknown = undefined;
  body: unknown = undefined;
  _parsedUrl: unknown = undefined;
  // EventEmitter: the first listener makes the count an own property
  _eventsCount = 0;
  // scimflow: the request id (request-log.ts)
  id: unknown = undefined;
}

export class ShapedResponse extends ServerResponse<ShapedRequest> {
  locals: unknown = undefined;
  override statusCode = 200;
  override statusMessage: string = undefined as unknown as string;
}
