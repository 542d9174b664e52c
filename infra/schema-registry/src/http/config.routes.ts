import { Router, type Request } from 'express';
import { registryErrors } from '../domain/registry.errors';
import type { RegistryService } from '../registry.service';
import { flag, send } from './http.helpers';

const READWRITE = 'READWRITE';

// Confluent documents `compatibility`; some tools send `compatibilityLevel`, the name GET uses.
function requestedLevel(req: Request): unknown {
  const body: unknown = req.body;
  if (body === null || typeof body !== 'object') return undefined;
  const { compatibility, compatibilityLevel } = body as Record<string, unknown>;
  return compatibility ?? compatibilityLevel;
}

export function configRoutes(service: RegistryService): Router {
  const router = Router();

  router.get('/config', async (_req, res) => {
    send(res, 200, { compatibilityLevel: await service.getGlobalLevel() });
  });

  router.put('/config', async (req, res) => {
    send(res, 200, { compatibility: await service.setLevel(undefined, requestedLevel(req)) });
  });

  router.delete('/config', async (_req, res) => {
    send(res, 200, { compatibilityLevel: await service.deleteLevel(undefined) });
  });

  router.get('/config/:subject', async (req, res) => {
    const level = await service.getSubjectLevel(req.params.subject, flag(req, 'defaultToGlobal'));
    send(res, 200, { compatibilityLevel: level });
  });

  router.put('/config/:subject', async (req, res) => {
    send(res, 200, { compatibility: await service.setLevel(req.params.subject, requestedLevel(req)) });
  });

  router.delete('/config/:subject', async (req, res) => {
    send(res, 200, { compatibilityLevel: await service.deleteLevel(req.params.subject) });
  });

  // Only READWRITE exists here; the endpoints answer so tools that read or set it keep working.
  router.get(['/mode', '/mode/:subject'], (_req, res) => {
    send(res, 200, { mode: READWRITE });
  });

  router.put(['/mode', '/mode/:subject'], (req, res) => {
    const mode: unknown = (req.body as { mode?: unknown } | undefined)?.mode;
    if (typeof mode !== 'string' || mode.toUpperCase() !== READWRITE) throw registryErrors.invalidMode(mode);
    send(res, 200, { mode: READWRITE });
  });

  return router;
}
