import { Type } from '@sinclair/typebox';

export const Hex32 = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256, lowercase hex' });
export const Index = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'stable code from docs/errors.md' }),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: 'ErrorBody', description: 'Every error response has this shape' },
);

/** Responses every authenticated route may give, for the OpenAPI description. */
export const authErrors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  429: ErrorBody,
} as const;

/** A policy decision, as every gated action returns it (and records it in the ledger). */
export const DecisionSchema = Type.Object(
  {
    kind: Type.Literal('decision'),
    question: Type.String(),
    allowed: Type.Boolean(),
    rules: Type.Array(Type.Object({ rule: Type.String(), effect: Type.Union([Type.Literal('allow'), Type.Literal('deny')]), reason: Type.String() })),
    reasons: Type.Array(Type.String()),
    obligations: Type.Array(Type.String()),
    policy: Type.String({ description: 'hash of the policy pack that decided' }),
  },
  { description: 'allow/deny, every rule that fired, the reasons in plain words, the policy version hash' },
);

/** An RFC 3339 date-time as a query or body field; routes still parse it (a pattern cannot reject Feb 30). */
export const Rfc3339 = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})$', description: 'RFC 3339 date-time, e.g. `2026-03-01T12:00:00Z`' });
