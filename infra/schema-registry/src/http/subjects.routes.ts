import { Router } from 'express';
import { parseVersion, type RegistryService } from '../registry.service';
import { flag, REGISTRY_CONTENT_TYPE, schemaInput, send, text } from './http.helpers';

export function subjectsRoutes(service: RegistryService): Router {
  const router = Router();

  router.get('/subjects', async (req, res) => {
    const subjects = await service.listSubjects({
      subjectPrefix: text(req, 'subjectPrefix'),
      includeDeleted: flag(req, 'deleted'),
    });
    send(res, 200, subjects);
  });

  router.post('/subjects/:subject/versions', async (req, res) => {
    send(res, 200, await service.register(req.params.subject, schemaInput(req.body)));
  });

  router.post('/subjects/:subject', async (req, res) => {
    send(res, 200, await service.lookup(req.params.subject, schemaInput(req.body), flag(req, 'deleted')));
  });

  router.get('/subjects/:subject/versions', async (req, res) => {
    send(res, 200, await service.listVersions(req.params.subject, flag(req, 'deleted')));
  });

  router.get('/subjects/:subject/versions/:version', async (req, res) => {
    const version = parseVersion(req.params.version);
    send(res, 200, await service.getVersion(req.params.subject, version, flag(req, 'deleted')));
  });

  router.get('/subjects/:subject/versions/:version/schema', async (req, res) => {
    const version = parseVersion(req.params.version);
    const found = await service.getVersion(req.params.subject, version, flag(req, 'deleted'));
    // Confluent returns the schema document itself here, not wrapped in an object.
    res.status(200).type(REGISTRY_CONTENT_TYPE).send(found.schema);
  });

  router.get('/subjects/:subject/versions/:version/referencedby', async (req, res) => {
    await service.getVersion(req.params.subject, parseVersion(req.params.version), false);
    // References are not supported, so nothing can refer to a version.
    send(res, 200, []);
  });

  router.delete('/subjects/:subject', async (req, res) => {
    send(res, 200, await service.deleteSubject(req.params.subject, flag(req, 'permanent')));
  });

  router.delete('/subjects/:subject/versions/:version', async (req, res) => {
    const version = parseVersion(req.params.version);
    send(res, 200, await service.deleteVersion(req.params.subject, version, flag(req, 'permanent')));
  });

  return router;
}
