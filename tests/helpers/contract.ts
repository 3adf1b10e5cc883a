import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

/**
 * Contract checking for every test server (tests/helpers/server.ts): each answer a route gives —
 * over fetch, sockets' REST calls or inject — is checked against the OpenAPI document the same
 * server publishes at /docs/json: its status must be listed for the operation, and its body must
 * match that status's schema (or be empty when the document says there is none). Violations are
 * collected, and the server's close() fails with the list, so a drift fails the suite that caused it.
 */

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: object }> }>;
}
type Doc = { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, unknown> } };

const COMPONENTS = 'tandem-components';

function compiler(document: unknown) {
  // Component refs are rewritten to an absolute id so every operation's schema can be compiled on its own.
  const doc = JSON.parse(JSON.stringify(document).replaceAll('"#/components/schemas/', `"${COMPONENTS}#/schemas/`)) as Doc;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema({ $id: COMPONENTS, schemas: doc.components?.schemas ?? {} });
  return { doc, ajv };
}

/** Checks values against one component schema of the document (`Event`, `StreamFrame`): the problem, or null. */
export function componentValidator(document: unknown, name: string) {
  const { ajv } = compiler(document);
  const validate = ajv.compile({ $ref: `${COMPONENTS}#/schemas/${name}` });
  return (value: unknown) => (validate(value) ? null : `${name}: ${ajv.errorsText(validate.errors)} — ${JSON.stringify(value).slice(0, 300)}`);
}

/** A validator for one published document: `check` returns the problem with one answer, or null. */
export function contractValidator(document: unknown) {
  const { doc, ajv } = compiler(document);
  const compiled = new Map<object, ValidateFunction>();

  return function check(method: string, routeUrl: string, status: number, body: string): string | null {
    const path = routeUrl.replace(/:(\w+)/g, '{$1}');
    const op = doc.paths[path]?.[method.toLowerCase()];
    if (!op) return null; // Not a documented route (hidden: health, metrics, console, static files).
    const what = `${method} ${path} → ${status}`;
    const response = op.responses?.[String(status)] ?? op.responses?.[`${String(status)[0]}XX`] ?? op.responses?.default;
    if (!response) return `${what}: status not in the document (it lists ${Object.keys(op.responses ?? {}).join(', ')})`;
    const schema = response.content?.['application/json']?.schema;
    if (!schema) return body === '' ? null : `${what}: the document says no body, the server sent ${body.slice(0, 200)}`;
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return `${what}: not JSON: ${body.slice(0, 200)}`;
    }
    let validate = compiled.get(schema);
    if (!validate) compiled.set(schema, (validate = ajv.compile(schema)));
    return validate(value) ? null : `${what}: body does not match the document: ${ajv.errorsText(validate.errors)} — body ${body.slice(0, 300)}`;
  };
}

/** The instrument for buildApp, and the violations it saw. */
export function contractRecorder() {
  const violations: string[] = [];
  let check: ReturnType<typeof contractValidator> | undefined;
  const instrument = (app: FastifyInstance) => {
    app.addHook('onSend', async (req, reply, payload) => {
      const url = req.routeOptions.url;
      // Only JSON text can be checked; streams and buffers come from hidden routes (static files, metrics).
      if (url && req.method !== 'HEAD' && (typeof payload === 'string' || payload === undefined || payload === null)) {
        check ??= contractValidator(app.swagger());
        // Fastify never writes a body on 204/304, whatever the handler passed to send().
        const body = reply.statusCode === 204 || reply.statusCode === 304 ? '' : ((payload as string | null | undefined) ?? '');
        const problem = check(req.method, url, reply.statusCode, body);
        if (problem) violations.push(problem);
      }
      return payload;
    });
  };
  return { instrument, violations };
}
