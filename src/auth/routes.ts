import { Router } from 'express';
import { errorMessage } from '../web/error-messages';
import type { AuthService } from './service';
import { setPasswordSchema, signInSchema } from './service';
import { formToken } from './csrf';
import { safeNextPath } from './guards';
import { homePath } from './policy';
import { AppError } from '../web/errors';
import { fieldErrors } from '../web/forms';
import { SESSION_COOKIE } from './session';


export function authRoutes(auth: AuthService): Router {
  const router = Router();

  router.get('/login', (req, res) => {
    if (req.user) return res.redirect(303, homePath(req.user));
    res.render('auth/login', { title: req.t('msg.sign_in'), csrfToken: formToken(req), next: safeNextPath(req.query.next), values: {} });
  });

  router.post('/login', async (req, res) => {
    const next = safeNextPath(req.body?.next);
    const parsed = signInSchema.safeParse({ email: req.body?.email, password: req.body?.password, _csrf: req.body?._csrf });
    const email = typeof req.body?.email === 'string' ? req.body.email : '';
    const renderError = (status: number, errors: Array<{ field: string; message: string }>) =>
      res.status(status).render('auth/login', { title: req.t('msg.sign_in'), csrfToken: formToken(req), next, values: { email }, errors, fieldErrors: fieldErrors(errors) });
    if (!parsed.success) {
      return renderError(422, parsed.error.issues.map((issue) => ({ field: String(issue.path[0]), message: issue.message })));
    }
    try {
      const user = await auth.signIn(parsed.data.email, parsed.data.password, { ipAddress: req.ip ?? null });
      // A new session id at sign-in, so a session id planted before cannot be used after.
      await new Promise<void>((resolve, reject) => req.session.regenerate((error) => (error ? reject(error) : resolve())));
      req.session.userId = user.id;
      req.session.signedInAt = Date.now();
      await new Promise<void>((resolve, reject) => req.session.save((error) => (error ? reject(error) : resolve())));
      res.redirect(303, next ?? homePath(user));
    } catch (error) {
      if (error instanceof AppError && (error.status === 401 || error.status === 429)) {
        return renderError(error.status, [{ field: 'email', message: errorMessage(error, req.language) }]);
      }
      throw error;
    }
  });

  router.post('/logout', async (req, res) => {
    if (req.user) await auth.recordSignOut(req.user, { ipAddress: req.ip ?? null });
    await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.redirect(303, '/');
  });

  router.get('/invitations/:token', async (req, res) => {
    const invitation = await auth.openInvitation(String(req.params.token));
    res.set('Cache-Control', 'no-store');
    res.render('auth/invitation', { title: req.t('msg.set_your_password'), invitation, csrfToken: formToken(req) });
  });

  router.post('/invitations/:token', async (req, res) => {
    const token = String(req.params.token);
    const invitation = await auth.openInvitation(token);
    const parsed = setPasswordSchema.safeParse({ password: req.body?.password, confirm: req.body?.confirm, _csrf: req.body?._csrf });
    if (!parsed.success) {
      const errors = parsed.error.issues.map((issue) => ({ field: String(issue.path[0] ?? 'password'), message: issue.message }));
      return res.status(422).render('auth/invitation', { title: req.t('msg.set_your_password'), invitation, csrfToken: formToken(req), errors, fieldErrors: fieldErrors(errors) });
    }
    await auth.acceptInvitation(token, parsed.data.password, { ipAddress: req.ip ?? null });
    req.session.flash = { kind: 'success', text: 'msg.password_set_sign_continue' };
    res.redirect(303, '/login');
  });

  return router;
}
