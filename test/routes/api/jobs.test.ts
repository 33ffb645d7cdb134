import tap from 'tap'
import { serve } from '../../reliability/helper.js'
import { jobRouteTests } from './jobs-suite.js'

// The jobs' routes with the jobs in this process (no REDIS_URL): jobs-suite.ts.
jobRouteTests(tap, serve)
