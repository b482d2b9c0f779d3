export { checkSigninRedirectUris } from './redirect-uris.js'
export {
  beginSignIn,
  completeSignIn,
  exchangeSignInCode,
  SIGNIN_RESULT_SECONDS,
  signInCallbackUrl,
} from './signin.js'
export type { BeginSignInOptions, SignInCompletion, SignInResult } from './signin.js'
