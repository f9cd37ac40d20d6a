import type { RequestHandler } from 'express';

/** Moves a one-off message from the session to the page that follows a redirect. */
export const flashMessages: RequestHandler = (req, res, next) => {
  if (req.session.flash) {
    res.locals.flash = req.session.flash;
    delete req.session.flash;
  }
  next();
};
