import type { Request, Response } from 'express';

/**
 * The endpoints of /scim/v2 as a fixed table. SCIM has a dozen endpoints that never change,
 * and Entra drives them hard; finding one here is a loop over that table, where nested
 * Express routers cost a chain of layers, closures and promise wrappers on every request
 * (about a tenth of a filter GET's CPU, measured with bench:scim's profiles).
 */

export type ScimMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ScimRoute {
  method: ScimMethod;
  /** under /scim/v2, e.g. `/Users/:id`; a `:name` segment matches any one segment */
  path: string;
  /** `params` holds the path's named segments, decoded */
  handle(req: Request, res: Response, params: Record<string, string>): Promise<void> | void;
}

export interface RouteMatch {
  route: ScimRoute;
  params: Record<string, string>;
}

interface CompiledRoute {
  route: ScimRoute;
  /** fixed segments lower-cased; a parameter is its name after ':' */
  segments: Array<{ fixed: string } | { param: string }>;
}

/**
 * Matches as Express's router did by default, which clients rely on: segment names in any
 * case, a trailing slash allowed, HEAD answered by GET (node sends no body for HEAD).
 */
export function routeTable(routes: ScimRoute[]): (method: string, path: string) => RouteMatch | undefined {
  const compiled: CompiledRoute[] = routes.map((route) => ({
    route,
    segments: route.path.split('/').filter(Boolean).map((s) => (s.startsWith(':') ? { param: s.slice(1) } : { fixed: s.toLowerCase() })),
  }));
  return (method, path) => {
    const wanted = method === 'HEAD' ? 'GET' : method;
    const given = path.split('/').filter(Boolean);
    for (const { route, segments } of compiled) {
      if (route.method !== wanted || segments.length !== given.length) continue;
      const params = paramsOf(segments, given);
      if (params) return { route, params };
    }
    return undefined;
  };
}

function paramsOf(segments: CompiledRoute['segments'], given: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if ('fixed' in segment) {
      if (given[i]!.toLowerCase() !== segment.fixed) return undefined;
      continue;
    }
    try {
      params[segment.param] = decodeURIComponent(given[i]!);
    } catch {
      return undefined; // malformed percent-encoding names no resource
    }
  }
  return params;
}
