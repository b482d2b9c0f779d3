export { basicCredentials, readBasicFields } from './basic-auth.js'
export { readLoginResponse } from './login.js'
export type { LoginToken } from './login.js'
