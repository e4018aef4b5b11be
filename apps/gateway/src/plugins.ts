import admin from '@postern/admin'
import audit from '@postern/audit'
import auditJson from '@postern/audit-json'
import auditSyslog from '@postern/audit-syslog'
import type { Plugin } from '@postern/core'
import filters from '@postern/filters'
import http from '@postern/http'
import jwt from '@postern/jwt'
import monitoring from '@postern/monitoring'
import oauth2 from '@postern/oauth2'
import opentelemetry from '@postern/opentelemetry'
import scripting from '@postern/scripting'
import secrets from '@postern/secrets'

/** Every first-party plugin this distribution ships, in registration order. */
export const plugins: readonly Plugin[] = [
  http,
  filters,
  secrets,
  jwt,
  monitoring,
  opentelemetry,
  admin,
  scripting,
  audit,
  auditJson,
  auditSyslog,
  oauth2,
]
