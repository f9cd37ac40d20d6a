import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import { allow } from '../auth/guards';
import { REGIONS, ROLES, type Role } from '../domain';
import { countryName } from '../i18n';
import { errorMessage } from '../web/error-messages';
import { FieldError, notFound } from '../web/errors';
import { fieldErrors, formErrors, formFields, type FormError } from '../web/forms';
import type { AdminService } from './service';
import { INVITATION_DAYS } from './service';
import { changeRoleSchema, cycleStateSchema, editCountrySchema, editCycleSchema, inviteSchema, newCountrySchema, newCycleSchema } from './validation';

type Redisplay = { form: string; values: Record<string, unknown>; errors: FormError[] };

const ROLE_LABELS: Record<Role, string> = { delegate: 'msg.national_delegate', secretariat: 'msg.secretariat', admin: 'msg.administrator' };
const ROLE_CHOICES = ROLES.map((role) => ({ value: role, label: ROLE_LABELS[role] }));

const str = (value: unknown) => (typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value));
const choices = (list: Array<{ value: string; label: string }>, selected: string, blank?: string) => [
  ...(blank === undefined ? [] : [{ value: '', label: blank, selected: selected === '' }]),
  ...list.map((choice) => ({ ...choice, selected: choice.value === selected })),
];

/** The values a form shows: what the user typed if it is the form being redisplayed, else the saved ones. */
function formValues(redisplay: Redisplay | undefined, name: string, saved: Record<string, unknown>) {
  const typed = redisplay?.form === name ? redisplay.values : undefined;
  const errors = redisplay?.form === name ? fieldErrors(redisplay.errors.map((error) => ({ ...error, field: error.field.replace(`${name}-`, '') }))) : {};
  const values = Object.fromEntries(Object.keys(saved).map((key) => [key, typed ? str(typed[key]) : str(saved[key])]));
  return { values, errors, open: Boolean(typed) };
}

export function adminRoutes(admin: AdminService): Router {
  const router = Router();
  router.use('/admin/users', allow('users.manage'));
  router.use('/admin/countries', allow('countries.manage'));
  router.use('/admin/cycles', allow('cycles.manage'));
  const ctx = (req: Request) => ({ ipAddress: req.ip ?? null });

  /**
   * Validates a form and runs the change; on invalid input or a broken rule the page is
   * shown again (422/409) with the user's answers and the errors beside the fields.
   */
  function handle<S extends z.ZodType>(formName: (req: Request) => string, schema: S, run: (req: Request, input: z.output<S>) => Promise<string | void>, render: (req: Request, res: Response, status: number, redisplay: Redisplay) => Promise<void>, done: (req: Request) => { url: string; text: string; params?: Record<string, string | number> }) {
    return async (req: Request, res: Response) => {
      const values = formFields(req);
      const name = formName(req);
      const parsed = schema.safeParse(values);
      if (!parsed.success) return render(req, res, 422, { form: name, values, errors: formErrors(parsed.error, `${name}-`) });
      let detail: string | void;
      try {
        detail = await run(req, parsed.data);
      } catch (error) {
        if (error instanceof FieldError) return render(req, res, error.status, { form: name, values, errors: [{ field: `${name}-${error.field}`, message: errorMessage(error, req.language) }] });
        throw error;
      }
      const { url, text, params } = done(req);
      req.session.flash = { kind: 'success', text, ...(params ? { params } : {}), ...(detail ? { detail } : {}) };
      res.redirect(303, url);
    };
  }

  const id = (req: Request) => {
    const value = String(req.params.id);
    if (!/^\d{1,9}$/.test(value)) throw notFound('user');
    return Number(value);
  };

  // Users and invitations

  async function renderUsers(req: Request, res: Response, status: number, redisplay?: Redisplay) {
    const page = await admin.usersPage(req.user!);
    const countryChoices = page.countries.map((country) => ({ value: country.code, label: `${countryName(country.code, country.name, req.language)} (${country.code})` }));
    const invite = formValues(redisplay, 'invite', { email: '', name: '', role: 'delegate', country: '' });
    res.status(status).render('admin/users', {
      title: req.t('msg.users'),
      errors: redisplay?.errors ?? [],
      invite: { ...invite, roleOptions: choices(ROLE_CHOICES, invite.values.role!), countryOptions: choices(countryChoices, invite.values.country!, 'msg.none_secretariat_and_admin') },
      invitationDays: INVITATION_DAYS,
      invitations: page.invitations,
      users: page.users.map((user) => {
        const form = formValues(redisplay, `user-${user.id}`, { role: user.role, country: user.country_code ?? '' });
        return { ...user, isSelf: user.id === req.user!.id, form: { ...form, roleOptions: choices(ROLE_CHOICES, form.values.role!), countryOptions: choices(countryChoices, form.values.country!, 'msg.none_secretariat_and_admin') } };
      }),
    });
  }

  router.get('/admin/users', (req, res) => renderUsers(req, res, 200));
  router.post(
    '/admin/users',
    handle(() => 'invite', inviteSchema, async (req, input) => {
      const token = await admin.invite(req.user!, input, ctx(req));
      return `${req.protocol}://${req.get('host')}/invitations/${token}`;
    }, renderUsers, () => ({ url: '/admin/users', text: 'msg.invitation_created_send_link_person_works', params: { days: INVITATION_DAYS } })),
  );
  router.post(
    '/admin/users/:id/role',
    handle((req) => `user-${id(req)}`, changeRoleSchema, (req, input) => admin.changeRole(req.user!, id(req), input, ctx(req)), renderUsers, () => ({ url: '/admin/users', text: 'msg.role_changed' })),
  );
  router.post('/admin/users/:id/deactivate', async (req, res) => {
    await admin.setActive(req.user!, id(req), false, ctx(req));
    req.session.flash = { kind: 'success', text: 'msg.user_deactivated_their_sessions_have_ended' };
    res.redirect(303, '/admin/users');
  });
  router.post('/admin/users/:id/reactivate', async (req, res) => {
    await admin.setActive(req.user!, id(req), true, ctx(req));
    req.session.flash = { kind: 'success', text: 'msg.user_reactivated' };
    res.redirect(303, '/admin/users');
  });

  // Countries

  const countryCode = (req: Request) => {
    const code = String(req.params.code);
    if (!/^[A-Z]{2}$/.test(code)) throw notFound('member');
    return code;
  };
  const euChoices = [{ value: 'no', label: 'msg.no' }, { value: 'yes', label: 'msg.yes' }];

  async function renderCountries(req: Request, res: Response, status: number, redisplay?: Redisplay) {
    const page = await admin.countriesPage(req.user!);
    const regionChoices = REGIONS.map((region) => ({ value: region, label: req.t(`region.${region}`) }));
    const add = formValues(redisplay, 'country', { code: '', name: '', region: 'Europe', eu_member: 'no', joined_on: '', left_on: '' });
    res.status(status).render('admin/countries', {
      title: req.t('msg.countries'),
      errors: redisplay?.errors ?? [],
      add: { ...add, regionOptions: choices(regionChoices, add.values.region!), euOptions: choices(euChoices, add.values.eu_member!) },
      countries: page.countries.map((country) => {
        const form = formValues(redisplay, `country-${country.code}`, { name: country.name, region: country.region, eu_member: country.eu_member ? 'yes' : 'no', joined_on: country.joined_on ?? '', left_on: country.left_on ?? '' });
        return { ...country, form: { ...form, regionOptions: choices(regionChoices, form.values.region!), euOptions: choices(euChoices, form.values.eu_member!) } };
      }),
    });
  }

  router.get('/admin/countries', (req, res) => renderCountries(req, res, 200));
  router.post(
    '/admin/countries',
    handle(() => 'country', newCountrySchema, (req, input) => admin.addCountry(req.user!, input, ctx(req)), renderCountries, () => ({ url: '/admin/countries', text: 'msg.member_added' })),
  );
  router.post(
    '/admin/countries/:code',
    handle((req) => `country-${countryCode(req)}`, editCountrySchema, (req, input) => admin.editCountry(req.user!, countryCode(req), input, ctx(req)), renderCountries, () => ({ url: '/admin/countries', text: 'msg.member_changed' })),
  );

  // Cycles

  const cycleSlug = (req: Request) => {
    const slug = String(req.params.slug);
    if (!/^[a-z0-9-]{1,60}$/.test(slug)) throw notFound('reporting cycle');
    return slug;
  };
  const kindChoices = [{ value: 'progress', label: 'msg.progress_reports' }, { value: 'commitments', label: 'msg.stocktaking_and_commitments' }];

  async function renderCycles(req: Request, res: Response, status: number, redisplay?: Redisplay) {
    const page = await admin.cyclesPage(req.user!);
    const add = formValues(redisplay, 'cycle', { slug: '', title: '', kind: 'progress', opens_on: '', due_on: '', closes_on: '' });
    res.status(status).render('admin/cycles', {
      title: req.t('msg.reporting_cycles'),
      errors: redisplay?.errors ?? [],
      add: { ...add, kindOptions: choices(kindChoices, add.values.kind!) },
      cycles: page.cycles.map((cycle) => ({
        ...cycle,
        form: formValues(redisplay, `cycle-${cycle.slug}`, { title: cycle.title, opens_on: cycle.opens_on, due_on: cycle.due_on, closes_on: cycle.closes_on }),
        canOpen: cycle.state !== 'open',
        canClose: cycle.state === 'open',
      })),
    });
  }

  router.get('/admin/cycles', (req, res) => renderCycles(req, res, 200));
  router.post(
    '/admin/cycles',
    handle(() => 'cycle', newCycleSchema, (req, input) => admin.createCycle(req.user!, input, ctx(req)), renderCycles, () => ({ url: '/admin/cycles', text: 'msg.cycle_created_planned_open_when_delegates' })),
  );
  router.post(
    '/admin/cycles/:slug',
    handle((req) => `cycle-${cycleSlug(req)}`, editCycleSchema, (req, input) => admin.editCycle(req.user!, cycleSlug(req), input, ctx(req)), renderCycles, () => ({ url: '/admin/cycles', text: 'msg.cycle_changed' })),
  );
  router.post(
    '/admin/cycles/:slug/state',
    handle((req) => `state-${cycleSlug(req)}`, cycleStateSchema, (req, input) => admin.setCycleState(req.user!, cycleSlug(req), input.state, ctx(req)), renderCycles, (req) => ({ url: '/admin/cycles', text: 'msg.cycle_slug_updated', params: { slug: cycleSlug(req) } })),
  );

  return router;
}
