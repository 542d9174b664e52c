import { Router } from 'express';
import type { RegistryService } from '../registry.service';
import { flag, REGISTRY_CONTENT_TYPE, schemaId, send, text } from './http.helpers';

export function schemasRoutes(service: RegistryService): Router {
  const router = Router();

  router.get('/schemas/types', (_req, res) => {
    send(res, 200, ['AVRO']);
  });

  router.get('/schemas', async (req, res) => {
    const schemas = await service.listSchemas({
      subjectPrefix: text(req, 'subjectPrefix'),
      includeDeleted: flag(req, 'deleted'),
      latestOnly: flag(req, 'latestOnly'),
    });
    send(res, 200, schemas);
  });

  router.get('/schemas/ids/:id', async (req, res) => {
    send(res, 200, await service.schemaById(schemaId(req.params.id)));
  });

  router.get('/schemas/ids/:id/schema', async (req, res) => {
    const found = await service.schemaById(schemaId(req.params.id));
    res.status(200).type(REGISTRY_CONTENT_TYPE).send(found.schema);
  });

  router.get('/schemas/ids/:id/versions', async (req, res) => {
    send(res, 200, await service.subjectVersionsOfSchema(schemaId(req.params.id), flag(req, 'deleted')));
  });

  router.get('/schemas/ids/:id/subjects', async (req, res) => {
    const versions = await service.subjectVersionsOfSchema(schemaId(req.params.id), flag(req, 'deleted'));
    send(res, 200, [...new Set(versions.map((v) => v.subject))]);
  });

  return router;
}
