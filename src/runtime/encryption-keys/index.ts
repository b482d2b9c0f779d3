export { encryptionKeyStatus, encryptionKeyStatusView } from './status.js'
export type { EncryptionKeyStatus, EncryptionKeyUse } from './status.js'
export { DEFAULT_ROTATION_BATCH, rotateEncryptionKeys, rotationReportView } from './rotation.js'
export type { RotateOptions, RotationProgress, RotationReport } from './rotation.js'
