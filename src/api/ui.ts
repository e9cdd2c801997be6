import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';

/**
 * The web console: static HTML, CSS and ES modules from src/ui, served as they are (no build
 * step). The page holds no data of its own; it calls /api with the admin token the operator
 * enters, so serving it needs no authentication.
 */
const ASSETS = fileURLToPath(new URL('../ui/', import.meta.url));

/** The console renders API data as text only; the policy forbids anything else from running or loading. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export function consoleUi(): Router {
  const router = Router();
  router.use((req, res, next) => {
    res.set({
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      // an upgraded server must not leave operators on stale modules
      'cache-control': 'no-cache',
    });
    // relative asset URLs resolve under /ui/ only with the trailing slash
    if (req.originalUrl === req.baseUrl) return res.redirect(301, `${req.baseUrl}/`);
    next();
  });
  router.use(express.static(ASSETS, { index: 'index.html', fallthrough: true, redirect: false }));
  router.use((_req, res) => {
    res.status(404).type('text/plain').send('not found');
  });
  return router;
}
