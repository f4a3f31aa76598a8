import { GloveboxError, isGloveboxError, type ErrorCode } from '@glovebox/core';
import type { Redactor } from '@glovebox/redact';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';

/** `body.user.name` from `body` and `/user/name`; the part alone for the whole of it. */
function fieldOf(part: string, instancePath: string): string {
  return `${part}${instancePath.replaceAll('/', '.')}`.replace(/\.$/, '');
}

/**
 * One error shape for every response: `{ error: { code, message, details? } }`. Known errors keep
 * their code; anything unexpected becomes GBX_INTERNAL with its cause in the server log only.
 * Messages pass through the redactor, so an echoed secret never reaches the client.
 */
export function errorHandler(redactor: Redactor) {
  return (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    let gbx: GloveboxError;
    if (isGloveboxError(error)) {
      gbx = error;
    } else if (hasZodFastifySchemaValidationErrors(error)) {
      // The rule first, then the field: "body.password: Too small" reads as a password in text to
      // the redactor below, which masked the rule ("[REDACTED:PASSWORD] small").
      const issues = error.validation
        .slice(0, 5)
        .map(
          (v) =>
            `${v.message ?? 'invalid'} (${fieldOf(error.validationContext ?? 'request', v.instancePath)})`,
        );
      gbx = new GloveboxError('GBX_REQUEST_INVALID', issues.join('; ') || 'invalid request');
    } else if (isResponseSerializationError(error)) {
      request.log.error({ err: error }, 'response failed its schema');
      gbx = new GloveboxError('GBX_INTERNAL', 'internal error');
    } else {
      const fe = error as FastifyError;
      const code: ErrorCode | undefined =
        fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? 'GBX_REQUEST_TOO_LARGE'
          : fe.statusCode === 400 ||
              fe.statusCode === 415 ||
              fe.code?.startsWith('FST_ERR_CTP') ||
              fe.code === 'FST_ERR_VALIDATION'
            ? 'GBX_REQUEST_INVALID'
            : fe.statusCode === 404
              ? 'GBX_NOT_FOUND'
              : undefined;
      if (code) {
        gbx = new GloveboxError(
          code,
          code === 'GBX_REQUEST_TOO_LARGE' ? 'request body too large' : 'malformed request',
        );
      } else {
        request.log.error({ err: error }, 'unexpected error');
        gbx = new GloveboxError('GBX_INTERNAL', 'internal error');
      }
    }
    if (gbx.code === 'GBX_INTERNAL' && gbx.cause) request.log.error({ err: gbx.cause }, gbx.message);
    if (gbx.code === 'GBX_AUDIT_UNAVAILABLE' || gbx.code === 'GBX_STORE_UNAVAILABLE') {
      request.log.error({ err: gbx.cause }, gbx.message);
    }
    const message = redactor.redactText(gbx.message).text;
    const details = gbx.details
      ? (redactor.redactValue(gbx.details).value as Record<string, unknown>)
      : undefined;
    void reply
      .status(gbx.status)
      .send({ error: { code: gbx.code, message, ...(details ? { details } : {}) } });
  };
}
