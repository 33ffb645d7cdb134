import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'

/** The parts of an OpenAPI 3.1 document the contract tests read. */
export interface Parameter { name: string, in: string, required?: boolean, example?: unknown, schema?: Record<string, unknown> }
export interface Header { required?: boolean, schema?: Record<string, unknown> }
export interface Media { schema: Record<string, unknown>, example?: unknown, examples?: Record<string, { value: unknown }> }
export interface Response { description: string, headers?: Record<string, Header>, content?: Record<string, Media> }
export interface Operation {
  operationId: string
  parameters?: Parameter[]
  requestBody?: { required?: boolean, content: Record<string, Media> }
  responses: Record<string, Response>
  security?: Array<Record<string, string[]>>
}
export interface Document {
  openapi: string
  servers?: Array<{ url: string }>
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, Record<string, unknown>>, securitySchemes?: Record<string, unknown> }
}

/** The headers of the API itself (as opposed to transport headers), which a response may carry only where documented. */
export const API_HEADERS = ['x-request-id', 'retry-after', 'idempotent-replayed']

/** The examples of a media object. */
export function examplesOf (media: Media | undefined): unknown[] {
  if (media === undefined) return []
  if (media.example !== undefined) return [media.example]
  return Object.values(media.examples ?? {}).map((e) => e.value)
}

/**
 * Validates data against the schemas of an OpenAPI 3.1 document (JSON Schema 2020-12), with its
 * components resolvable: `check(schema, data)` returns the errors as text, '' when valid.
 */
export function schemaChecker (doc: Document) {
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  addFormats.default(ajv)
  ajv.addSchema({ $id: 'openapi', components: doc.components })
  const compiled = new Map<string, ReturnType<typeof ajv.compile>>()
  return function check (schema: Record<string, unknown>, data: unknown): string {
    const text = JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/')
    let validate = compiled.get(text)
    if (validate === undefined) {
      validate = ajv.compile(JSON.parse(text) as Record<string, unknown>)
      compiled.set(text, validate)
    }
    return validate(data) ? '' : ajv.errorsText(validate.errors)
  }
}
