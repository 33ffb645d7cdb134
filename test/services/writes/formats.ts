import { FormatRegistry } from '@sinclair/typebox'

/** The string formats the write schemas use, for TypeBox's Value.Check (Ajv has its own, in the app). */
export function registerFormats (): void {
  if (!FormatRegistry.Has('date')) FormatRegistry.Set('date', (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)))
  if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => !Number.isNaN(Date.parse(v)) && /^\d{4}-\d{2}-\d{2}T/.test(v))
}
