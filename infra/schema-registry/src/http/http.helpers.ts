import type { Request, Response } from 'express';
import { z } from 'zod';
import { registryErrors } from '../domain/registry.errors';
import type { SchemaInput } from '../registry.service';

export const REGISTRY_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/** Sends a JSON body with the content type Confluent uses, so clients that check it are satisfied. */
export function send(res: Response, status: number, body: unknown): void {
  res.status(status).type(REGISTRY_CONTENT_TYPE).send(JSON.stringify(body));
}

/** Boolean query flags as Confluent reads them: only the literal `true` (any case) turns one on. */
export function flag(req: Request, name: string): boolean {
  const value = req.query[name];
  return typeof value === 'string' && value.toLowerCase() === 'true';
}

export function text(req: Request, name: string): string {
  const value = req.query[name];
  return typeof value === 'string' ? value : '';
}

const schemaBody = z.object({
  schema: z.string().min(1),
  schemaType: z.string().nullish(),
  references: z.array(z.unknown()).nullish(),
});

export function schemaInput(body: unknown): SchemaInput {
  const parsed = schemaBody.safeParse(body);
  if (!parsed.success) {
    throw registryErrors.invalidSchema(
      'the request body must be a JSON object with a non-empty string "schema"',
    );
  }
  return {
    schema: parsed.data.schema,
    schemaType: parsed.data.schemaType ?? undefined,
    references: parsed.data.references ?? undefined,
  };
}

export function schemaId(raw: string): number {
  if (!/^\d{1,10}$/.test(raw) || Number(raw) > 2 ** 31 - 1) throw registryErrors.schemaNotFound();
  return Number(raw);
}
