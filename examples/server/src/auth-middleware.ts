import type { RequestHandler } from 'express'
import type { Authenticator } from './auth.js'

/** Rejects the request with 401 unless it carries a valid bearer token; sets `res.locals.principal`. */
export function requireAuth(authenticator: Authenticator): RequestHandler {
  return (req, res, next) => {
    try {
      res.locals['principal'] = authenticator.verify(req.headers.authorization)
      next()
    } catch (error) {
      next(error)
    }
  }
}
