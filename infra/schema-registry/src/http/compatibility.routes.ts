import { Router, type Response } from 'express';
import type { CompatibilityResult } from '../domain/compatibility';
import { parseVersion, type RegistryService } from '../registry.service';
import { flag, schemaInput, send } from './http.helpers';

function reply(res: Response, result: CompatibilityResult, verbose: boolean): void {
  send(
    res,
    200,
    verbose
      ? { is_compatible: result.compatible, messages: result.messages }
      : { is_compatible: result.compatible },
  );
}

export function compatibilityRoutes(service: RegistryService): Router {
  const router = Router();

  router.post('/compatibility/subjects/:subject/versions/:version', async (req, res) => {
    const version = parseVersion(req.params.version);
    const result = await service.testCompatibility(req.params.subject, version, schemaInput(req.body));
    reply(res, result, flag(req, 'verbose'));
  });

  router.post('/compatibility/subjects/:subject/versions', async (req, res) => {
    const result = await service.testCompatibility(req.params.subject, undefined, schemaInput(req.body));
    reply(res, result, flag(req, 'verbose'));
  });

  return router;
}
