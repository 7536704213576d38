import {
  anomalySchema,
  chatSessionSchema,
  emailConfigSchema,
  metricSnapshotSchema,
  promptHistoryEntrySchema,
  rcaSchema,
  silenceSchema,
  targetSchema,
  tokenUsageSchema,
} from '@promptheus/core';
import { z } from 'zod';
import { emailConfigBodySchema } from './routes/agent.js';
import { createSilenceBodySchema, silenceAnomalyBodySchema } from './routes/anomalies.js';
import { chatBodySchema } from './routes/chat.js';
import { createTargetBodySchema, updateTargetBodySchema } from './routes/targets.js';

type JsonSchema = Record<string, unknown>;

const inputSchema = (schema: z.ZodType): JsonSchema =>
  strip(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }));
const outputSchema = (schema: z.ZodType): JsonSchema =>
  strip(z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }));

function strip(schema: JsonSchema): JsonSchema {
  const { $schema: _ignored, ...rest } = schema;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });
const page = (item: unknown) => ({
  type: 'object',
  required: ['items', 'total', 'limit', 'offset'],
  properties: {
    items: { type: 'array', items: item },
    total: { type: 'integer' },
    limit: { type: 'integer' },
    offset: { type: 'integer' },
  },
});

const errorResponse = (description: string) => ({ description, content: json(ref('Error')) });
const standardErrors = {
  '400': errorResponse('Invalid input; `error.details.fields` lists each bad field'),
  '401': errorResponse('Missing or wrong API token (when API_TOKEN is set)'),
};

const pageParameters = (max: number, byDefault: number) => [
  {
    name: 'limit',
    in: 'query',
    schema: { type: 'integer', minimum: 1, maximum: max, default: byDefault },
  },
  { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } },
];
const idParameter = (what: string) => ({
  name: 'id',
  in: 'path',
  required: true,
  description: `Id of the ${what}`,
  schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]+$', maxLength: 128 },
});

interface Operation {
  readonly summary: string;
  readonly tags: readonly string[];
  readonly parameters?: readonly unknown[];
  readonly requestBody?: unknown;
  readonly responses: Readonly<Record<string, unknown>>;
  readonly security?: readonly unknown[];
}

const bearer = [{ bearerAuth: [] }];
const ok = (description: string, schema: unknown) => ({ description, content: json(schema) });
const body = (schema: unknown, required = true) => ({ required, content: json(schema) });

/** An object holding one record under `key`, e.g. `{ "target": { ... } }`. */
const holding = (key: string, schemaName: string) => ({
  type: 'object',
  properties: { [key]: ref(schemaName) },
});

/** `GET` of one record by id: the record under `key`, or 404. */
const getOne = (operation: {
  readonly summary: string;
  readonly tag: string;
  readonly what: string;
  readonly found: string;
  readonly key: string;
  readonly schemaName: string;
  readonly missing: string;
}): Operation => ({
  summary: operation.summary,
  tags: [operation.tag],
  parameters: [idParameter(operation.what)],
  responses: {
    '200': ok(operation.found, holding(operation.key, operation.schemaName)),
    '404': errorResponse(operation.missing),
  },
});

/** `DELETE` of one record by id: 204, or 404. */
const deleteOne = (operation: {
  readonly summary: string;
  readonly tag: string;
  readonly what: string;
  readonly missing: string;
}): Operation => ({
  summary: operation.summary,
  tags: [operation.tag],
  parameters: [idParameter(operation.what)],
  security: bearer,
  responses: {
    '204': { description: 'Deleted' },
    '404': errorResponse(operation.missing),
    ...standardErrors,
  },
});

/** Options of {@link buildOpenApiDocument}. */
export interface OpenApiOptions {
  /** API version shown in `info.version`. */
  readonly version: string;
  /** Base URL listed in `servers`. @default none */
  readonly serverUrl?: string;
}

/**
 * The OpenAPI 3.1 description of the Promptheus HTTP API, served at `GET /openapi.json`. Request
 * bodies and records are generated from the same zod schemas the server validates with.
 */
export function buildOpenApiDocument(options: OpenApiOptions): Record<string, unknown> {
  const redactedTarget = targetSchema.omit({ auth: true }).extend({
    auth: z.object({ type: z.string(), configured: z.literal(true) }).nullable(),
  });
  /** `PUT` and `PATCH /targets/{id}`: change the fields given. */
  const changeTarget = (summary: string, responses: Readonly<Record<string, unknown>> = {}): Operation => ({
    summary,
    tags: ['targets'],
    parameters: [idParameter('target')],
    security: bearer,
    requestBody: body(inputSchema(updateTargetBodySchema)),
    responses: {
      '200': ok('Updated', holding('target', 'Target')),
      '404': errorResponse('No such target'),
      ...responses,
      ...standardErrors,
    },
  });
  const paths: Record<string, Record<string, Operation>> = {
    '/': {
      get: {
        summary: 'Status: version, Prometheus reachability, store, LLM, notifiers, monitor',
        tags: ['status'],
        responses: { '200': ok('Status', { type: 'object' }) },
      },
    },
    '/healthz': {
      get: {
        summary: 'Liveness probe',
        tags: ['status'],
        responses: { '200': ok('Alive', { type: 'object', properties: { ok: { type: 'boolean' } } }) },
      },
    },
    '/stats': {
      get: {
        summary: 'Record counts: snapshots, anomalies (firing), RCA, chat sessions, prompts, notifications',
        tags: ['status'],
        responses: { '200': ok('Counts', { type: 'object' }) },
      },
    },
    '/prom-metrics': {
      get: {
        summary: 'Latest metric snapshots taken by the monitor (newest first)',
        tags: ['watch'],
        parameters: pageParameters(100, 10),
        responses: { '200': ok('Snapshots', page(ref('MetricSnapshot'))), ...standardErrors },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics of this server (text format)',
        tags: ['status'],
        responses: { '200': { description: 'Prometheus text format', content: { 'text/plain': {} } } },
      },
    },
    '/openapi.json': {
      get: {
        summary: 'This document',
        tags: ['status'],
        responses: { '200': ok('OpenAPI document', { type: 'object' }) },
      },
    },
    '/ui': {
      get: {
        summary: 'The dashboard page (redirects to /ui/)',
        tags: ['dashboard'],
        responses: { '308': { description: 'Redirect to /ui/' } },
      },
    },
    '/ui/{file}': {
      get: {
        summary: 'The dashboard page and its files (HTML, JavaScript, CSS)',
        tags: ['dashboard'],
        parameters: [
          {
            name: 'file',
            in: 'path',
            required: true,
            schema: { type: 'string', pattern: '^[A-Za-z0-9_.-]*$' },
          },
        ],
        responses: {
          '200': {
            description: 'The file',
            content: { 'text/html': {}, 'text/javascript': {}, 'text/css': {} },
          },
          '404': errorResponse('No such file'),
          '503': errorResponse('The dashboard is not built'),
        },
      },
    },
    '/anomalies': {
      get: {
        summary: 'Anomalies, newest first, with filters and paging',
        tags: ['watch'],
        parameters: [
          ...pageParameters(500, 20),
          { name: 'status', in: 'query', schema: { enum: ['firing', 'resolved'] } },
          { name: 'severity', in: 'query', schema: { enum: ['low', 'medium', 'high', 'critical'] } },
          {
            name: 'since',
            in: 'query',
            description: 'ms since the epoch, an ISO 8601 date, or a duration back from now (15m, 24h, 7d)',
            schema: { type: 'string' },
          },
          { name: 'target', in: 'query', schema: { type: 'string' } },
          {
            name: 'include',
            in: 'query',
            description: "`rca` embeds each anomaly's RCA",
            schema: { enum: ['rca'] },
          },
        ],
        responses: { '200': ok('Anomalies', page(ref('Anomaly'))), ...standardErrors },
      },
    },
    '/anomalies/{id}': {
      get: {
        summary: 'One anomaly with its root-cause analysis',
        tags: ['watch'],
        parameters: [idParameter('anomaly')],
        responses: {
          '200': ok('The anomaly and its RCA (null until analysed)', {
            type: 'object',
            properties: { anomaly: ref('Anomaly'), rca: { anyOf: [ref('Rca'), { type: 'null' }] } },
          }),
          '404': errorResponse('No such anomaly'),
          ...standardErrors,
        },
      },
    },
    '/anomalies/{id}/ack': {
      post: {
        summary: 'Acknowledge an anomaly: no more firing notifications until it resolves',
        tags: ['watch'],
        parameters: [idParameter('anomaly')],
        security: bearer,
        responses: {
          '200': ok('Acknowledged', holding('anomaly', 'Anomaly')),
          '404': errorResponse('No such anomaly'),
          ...standardErrors,
        },
      },
      delete: {
        summary: 'Remove the acknowledgement',
        tags: ['watch'],
        parameters: [idParameter('anomaly')],
        security: bearer,
        responses: {
          '200': ok('Unacknowledged', holding('anomaly', 'Anomaly')),
          '404': errorResponse('No such anomaly'),
          ...standardErrors,
        },
      },
    },
    '/anomalies/{id}/silence': {
      post: {
        summary: "Silence notifications for this anomaly's series for a while",
        tags: ['watch'],
        parameters: [idParameter('anomaly')],
        security: bearer,
        requestBody: body(inputSchema(silenceAnomalyBodySchema.unwrap()), false),
        responses: {
          '201': ok('Silence created', holding('silence', 'Silence')),
          '404': errorResponse('No such anomaly'),
          ...standardErrors,
        },
      },
    },
    '/rca': {
      get: {
        summary: 'Root-cause analyses, newest first',
        tags: ['watch'],
        parameters: pageParameters(500, 20),
        responses: { '200': ok('RCA', page(ref('Rca'))), ...standardErrors },
      },
    },
    '/silences': {
      get: {
        summary: 'Silences (`active=true` for those in effect now)',
        tags: ['alerts'],
        parameters: [{ name: 'active', in: 'query', schema: { enum: ['true', 'false'] } }],
        responses: {
          '200': ok('Silences', {
            type: 'object',
            properties: { items: { type: 'array', items: ref('Silence') }, total: { type: 'integer' } },
          }),
          ...standardErrors,
        },
      },
      post: {
        summary: 'Create a silence (matchers on labels and __name__, target, severity, detector)',
        tags: ['alerts'],
        security: bearer,
        requestBody: body(inputSchema(createSilenceBodySchema)),
        responses: {
          '201': ok('Silence created', holding('silence', 'Silence')),
          ...standardErrors,
        },
      },
    },
    '/silences/{id}': {
      get: getOne({
        summary: 'One silence',
        tag: 'alerts',
        what: 'silence',
        found: 'Silence',
        key: 'silence',
        schemaName: 'Silence',
        missing: 'No such silence',
      }),
      delete: deleteOne({
        summary: 'Delete (expire) a silence',
        tag: 'alerts',
        what: 'silence',
        missing: 'No such silence',
      }),
    },
    '/api/chat': {
      post: {
        summary: 'Ask a question in plain language; answers with PromQL, data, layout, answer and follow-ups',
        tags: ['ask'],
        security: bearer,
        requestBody: body(inputSchema(chatBodySchema)),
        responses: {
          '200': ok(
            'The answer (`promql` is null when the question cannot be answered)',
            ref('ChatResponse'),
          ),
          '429': errorResponse('Too many questions from this client; see Retry-After'),
          '503': errorResponse('Prometheus is unreachable'),
          ...standardErrors,
        },
      },
    },
    '/api/suggestions': {
      get: {
        summary: 'Question suggestions for a partial prompt',
        tags: ['ask'],
        parameters: [
          { name: 'prompt', in: 'query', schema: { type: 'string', maxLength: 4000 } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 20, default: 5 } },
        ],
        responses: {
          '200': ok('Suggestions', {
            type: 'object',
            properties: {
              prompt: { type: 'string' },
              suggestions: { type: 'array', items: { type: 'string' } },
            },
          }),
          ...standardErrors,
        },
      },
    },
    '/api/history': {
      get: {
        summary: 'Chat sessions, most recently active first',
        tags: ['ask'],
        parameters: pageParameters(100, 20),
        responses: { '200': ok('Chat sessions', page(ref('ChatSession'))), ...standardErrors },
      },
    },
    '/api/history/{id}': {
      get: getOne({
        summary: 'One chat session with its messages',
        tag: 'ask',
        what: 'chat session',
        found: 'Chat session',
        key: 'session',
        schemaName: 'ChatSession',
        missing: 'No such session',
      }),
      delete: deleteOne({
        summary: 'Delete a chat session',
        tag: 'ask',
        what: 'chat session',
        missing: 'No such session',
      }),
    },
    '/api/prompts': {
      get: {
        summary: 'Prompt history: each question, its PromQL, success and latency',
        tags: ['ask'],
        parameters: [
          ...pageParameters(100, 20),
          { name: 'session_id', in: 'query', schema: { type: 'string' } },
        ],
        responses: { '200': ok('Prompt history', page(ref('PromptHistoryEntry'))), ...standardErrors },
      },
    },
    '/agent/email-config': {
      get: {
        summary: 'Email alert settings (recipients and enabled flag) and the email notifier status',
        tags: ['alerts'],
        responses: { '200': ok('Email settings', ref('EmailSettings')) },
      },
      put: {
        summary: 'Change email recipients and the enabled flag',
        tags: ['alerts'],
        security: bearer,
        requestBody: body(inputSchema(emailConfigBodySchema)),
        responses: { '200': ok('Saved settings', ref('EmailSettings')), ...standardErrors },
      },
    },
    '/agent/test-email': {
      post: {
        summary: 'Send a test email to the configured recipients',
        tags: ['alerts'],
        security: bearer,
        responses: {
          '200': ok('Delivered', ref('TestResult')),
          '409': errorResponse('Email is not configured (SMTP_HOST)'),
          '502': errorResponse('Delivery failed; the message says why'),
          ...standardErrors,
        },
      },
    },
    '/agent/slack-status': {
      get: {
        summary: 'Whether Slack alerts are enabled and configured (never the webhook URL)',
        tags: ['alerts'],
        responses: {
          '200': ok('Slack status', {
            type: 'object',
            properties: {
              enabled: { type: 'boolean' },
              configured: { type: 'boolean' },
              detail: { type: 'string' },
            },
          }),
        },
      },
    },
    '/agent/test-slack': {
      post: {
        summary: 'Send a test Slack message',
        tags: ['alerts'],
        security: bearer,
        responses: {
          '200': ok('Delivered', ref('TestResult')),
          '409': errorResponse('Slack is not configured (SLACK_ENABLED, SLACK_WEBHOOK_URL)'),
          '502': errorResponse('Delivery failed; the message says why'),
          ...standardErrors,
        },
      },
    },
    '/targets': {
      get: {
        summary: 'Prometheus targets the monitor collects from (credentials redacted)',
        tags: ['targets'],
        responses: {
          '200': ok('Targets', {
            type: 'object',
            properties: { items: { type: 'array', items: ref('Target') }, total: { type: 'integer' } },
          }),
        },
      },
      post: {
        summary: 'Add a target (http/https URL; credentials go in `auth`)',
        tags: ['targets'],
        security: bearer,
        requestBody: body(inputSchema(createTargetBodySchema)),
        responses: {
          '201': ok('Created', holding('target', 'Target')),
          '409': errorResponse('The name is taken'),
          ...standardErrors,
        },
      },
    },
    '/targets/{id}': {
      get: getOne({
        summary: 'One target',
        tag: 'targets',
        what: 'target',
        found: 'Target',
        key: 'target',
        schemaName: 'Target',
        missing: 'No such target',
      }),
      put: changeTarget('Change a target (only the fields given; `auth: null` removes credentials)', {
        '409': errorResponse('The name is taken'),
      }),
      patch: changeTarget('Same as PUT'),
      delete: deleteOne({
        summary: 'Delete a target',
        tag: 'targets',
        what: 'target',
        missing: 'No such target',
      }),
    },
  };

  return {
    openapi: '3.1.0',
    info: {
      title: 'Promptheus API',
      version: options.version,
      description:
        'Ask Prometheus questions in plain language and watch for anomalies with root-cause analyses. ' +
        'Live updates are pushed on the WebSocket at /ws (see the server README).',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'The API_TOKEN' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string' },
                message: { type: 'string' },
                details: { type: 'object' },
              },
            },
          },
        },
        Anomaly: outputSchema(anomalySchema),
        Rca: outputSchema(rcaSchema),
        MetricSnapshot: outputSchema(metricSnapshotSchema),
        Silence: outputSchema(silenceSchema),
        ChatSession: outputSchema(chatSessionSchema),
        PromptHistoryEntry: outputSchema(promptHistoryEntrySchema),
        Target: outputSchema(redactedTarget),
        EmailSettings: outputSchema(
          emailConfigSchema.extend({
            updatedAt: z.number().nullable(),
            status: z.object({
              enabled: z.boolean(),
              configured: z.boolean(),
              detail: z.string().optional(),
            }),
          }),
        ),
        TestResult: { type: 'object', properties: { ok: { type: 'boolean' }, channel: { type: 'string' } } },
        ChatResponse: {
          type: 'object',
          required: ['promql', 'data', 'layout', 'answer', 'followups', 'intent', 'session_id', 'usage'],
          properties: {
            promql: {
              type: ['string', 'null'],
              description: 'The PromQL that was run; null when unanswerable',
            },
            data: { description: 'The query result (resultType and series)' },
            layout: { description: 'Chart specification for the data' },
            answer: { type: 'string', description: 'One to three sentences' },
            followups: { type: 'array', items: { type: 'string' } },
            intent: { type: 'string' },
            session_id: { type: ['string', 'null'] },
            usage: { anyOf: [outputSchema(tokenUsageSchema), { type: 'null' }] },
            translator: { type: ['string', 'null'], description: '`offline` or the LLM provider' },
            error: { description: 'Why there is no answer, when there is none' },
          },
        },
      },
    },
  };
}
