import { promisify } from 'node:util';
import { Router, type Request, type Response } from 'express';
import { fieldErrors, formFields, handleForm, noFields, text, type Redisplay } from '../web/forms';
import { formToken } from './csrf';
import { safeNextPath } from './guards';
import { homePath } from './policy';
import type { AuthService } from './service';
import { newPasswordSchema, PASSWORD_RESET, passwordResetRequestSchema, setPasswordSchema, signInSchema } from './service';
import { SESSION_COOKIE } from './session';
import { IDLE_TIMEOUT_MINUTES, unsavedFor } from './unsaved';

const context = (req: Request) => ({ ipAddress: req.ip ?? null, language: req.language });

export function authRoutes(auth: AuthService): Router {
  const router = Router();

  const renderLogin = (req: Request, res: Response, status: number, redisplay?: Redisplay) => {
    res.status(status).render('auth/login', {
      title: req.t('msg.sign_in'),
      csrfToken: formToken(req),
      next: safeNextPath(redisplay ? redisplay.values.next : req.query.next),
      // Signed out for inactivity while a form was being sent: what was typed is kept.
      kept: req.query.kept === '1',
      values: { email: text(redisplay?.values.email) ?? '' },
      errors: redisplay?.errors ?? [],
      fieldErrors: fieldErrors(redisplay?.errors ?? []),
    });
  };

  router.get('/login', (req, res) => {
    if (req.user) {
      res.redirect(303, homePath(req.user));
      return;
    }
    renderLogin(req, res, 200);
  });

  router.post(
    '/login',
    handleForm({
      form: () => 'login',
      prefix: () => '',
      schema: signInSchema,
      run: (req, input) => auth.signIn(input.email, input.password, context(req)),
      redisplay: renderLogin,
      done: async (req, user) => {
        // A new session id at sign-in, so a session id planted before cannot be used after;
        // a form kept after the idle timeout comes along only for the same user.
        const unsaved = unsavedFor(req, user.id);
        await promisify(req.session.regenerate.bind(req.session))();
        req.session.userId = user.id;
        req.session.signedInAt = Date.now();
        req.session.lastSeenAt = Date.now();
        if (unsaved) req.session.unsaved = unsaved;
        await promisify(req.session.save.bind(req.session))();
        return { url: safeNextPath(formFields(req).next) ?? homePath(user) };
      },
    }),
  );

  // "Stay signed in" (the timeout warning): any request renews the sign-in; this one says until when.
  router.post('/session/keep-alive', (req, res) => {
    if (!req.user || req.session.lastSeenAt === undefined) {
      res.status(401).json({ error: 'signed_out' });
      return;
    }
    const endsAt = new Date(req.session.lastSeenAt + IDLE_TIMEOUT_MINUTES * 60_000);
    if (req.accepts(['html', 'json']) === 'json') res.json({ endsAt: endsAt.toISOString() });
    else res.redirect(303, safeNextPath((req.body as Record<string, unknown> | undefined)?.next) ?? homePath(req.user));
  });

  router.post(
    '/logout',
    handleForm({
      form: () => 'logout',
      schema: noFields,
      run: async (req) => (req.user ? auth.recordSignOut(req.user, context(req)) : undefined),
      redisplay: (_req, res) => {
        res.redirect(303, '/');
      },
      done: async (req, _user, res) => {
        await new Promise<void>((resolve) =>
          req.session.destroy(() => {
            resolve();
          }),
        );
        res.clearCookie(SESSION_COOKIE, { path: '/' });
        return { url: '/' };
      },
    }),
  );

  const renderInvitation = async (req: Request, res: Response, status: number, redisplay?: Redisplay) => {
    const invitation = await auth.openInvitation(String(req.params.token));
    res.set('Cache-Control', 'no-store');
    const errors = redisplay?.errors ?? [];
    res.status(status).render('auth/invitation', {
      title: req.t('msg.set_your_password'),
      invitation,
      csrfToken: formToken(req),
      errors,
      fieldErrors: fieldErrors(errors),
    });
  };

  router.get('/invitations/:token', (req, res) => renderInvitation(req, res, 200));

  router.post(
    '/invitations/:token',
    handleForm({
      form: () => 'invitation',
      prefix: () => '',
      schema: setPasswordSchema,
      run: async (req, input) => {
        const token = String(req.params.token);
        await auth.openInvitation(token);
        await auth.acceptInvitation(token, input.password, context(req));
      },
      redisplay: renderInvitation,
      done: () => ({ url: '/login', flash: { kind: 'success', text: 'msg.password_set_sign_continue' } }),
    }),
  );

  // Forgotten password: ask for a link, then choose a new password through it.

  const renderResetRequest = (req: Request, res: Response, status: number, redisplay?: Redisplay) => {
    const errors = redisplay?.errors ?? [];
    res.status(status).render('auth/password-reset-request', {
      title: req.t('msg.reset_your_password'),
      csrfToken: formToken(req),
      values: { email: text(redisplay?.values.email) ?? '' },
      errors,
      fieldErrors: fieldErrors(errors),
    });
  };

  router.get('/password-reset', (req, res) => {
    if (req.query.sent === '1') {
      res.render('auth/password-reset-sent', { title: req.t('msg.check_your_e_mail'), validMinutes: PASSWORD_RESET.validMinutes });
      return;
    }
    renderResetRequest(req, res, 200);
  });

  router.post(
    '/password-reset',
    handleForm({
      form: () => 'password-reset',
      prefix: () => '',
      schema: passwordResetRequestSchema,
      run: (req, input) => auth.requestPasswordReset(input.email, context(req)),
      redisplay: renderResetRequest,
      done: () => ({ url: '/password-reset?sent=1' }),
    }),
  );

  const renderNewPassword = async (req: Request, res: Response, status: number, redisplay?: Redisplay) => {
    const reset = await auth.openPasswordReset(String(req.params.token));
    res.set('Cache-Control', 'no-store');
    const errors = redisplay?.errors ?? [];
    res.status(status).render('auth/password-reset', {
      title: req.t('msg.choose_a_new_password'),
      email: reset.email,
      csrfToken: formToken(req),
      errors,
      fieldErrors: fieldErrors(errors),
    });
  };

  router.get('/password-reset/:token', (req, res) => renderNewPassword(req, res, 200));

  router.post(
    '/password-reset/:token',
    handleForm({
      form: () => 'new-password',
      prefix: () => '',
      schema: newPasswordSchema,
      run: (req, input) => auth.resetPassword(String(req.params.token), input.password, context(req)),
      redisplay: renderNewPassword,
      done: () => ({ url: '/login', flash: { kind: 'success', text: 'msg.password_changed_sign_in' } }),
    }),
  );

  return router;
}
