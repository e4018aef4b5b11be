import { PosternError } from '@postern/core'

/**
 * A tamper-evident CSV audit file that fails verification (an edited, removed or inserted row, a
 * bad signature, a missing or unreadable key file): the handler refuses to append to it.
 */
export class TamperedAuditFileError extends PosternError {
  override name = 'TamperedAuditFileError'
  override code = 'ERR_POSTERN_AUDIT_TAMPERED'
  readonly file: string
  readonly reason: string
  constructor(file: string, reason: string, options?: ErrorOptions) {
    super(`tamper-evident audit file ${file} failed verification: ${reason}`, options)
    this.file = file
    this.reason = reason
  }
}
