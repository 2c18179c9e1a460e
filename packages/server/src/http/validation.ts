import { Ajv } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Request validation. Bodies are validated exactly as sent: no type coercion, no silent removal
 * of unknown fields (Fastify's defaults do both). Path and query strings are text by nature, so
 * there integers are coerced from their decimal form.
 */
export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const options = { removeAdditional: false, useDefaults: true, allErrors: true, strict: false } as const;
  const strict = new Ajv({ ...options, coerceTypes: false });
  const textual = new Ajv({ ...options, coerceTypes: true });
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : textual).compile(schema as object);
}
