import { Router, type Request, type Response } from 'express';
import { allow, signedIn } from '../auth/guards';
import { isCountryCode, isCycleSlug, REGIONS, ROLES, type Role } from '../domain';
import { countryName, formatNumber, languageName, LANGUAGES } from '../i18n';
import { cycleMove } from '../reports/workflow';
import { fieldErrors, fieldText, handleForm, noFields, type Redisplay } from '../web/forms';
import { checkParams, isId } from '../web/params';
import type { AdminService } from './service';
import { INVITATION_DAYS } from './invitations';
import {
  changeRoleSchema,
  cycleStateSchema,
  editCountrySchema,
  editCycleSchema,
  indicatorGoalSchema,
  inviteSchema,
  newCountrySchema,
  newCycleSchema,
} from './validation';

const ROLE_LABELS: Record<Role, string> = { delegate: 'msg.national_delegate', secretariat: 'msg.secretariat', admin: 'msg.administrator' };
const ROLE_CHOICES = ROLES.map((role) => ({ value: role, label: ROLE_LABELS[role] }));

const LANGUAGE_CHOICES = LANGUAGES.map((language) => ({ value: language, label: languageName(language) }));

const choices = (list: Array<{ value: string; label: string }>, selected: string, blank?: string) => [
  ...(blank === undefined ? [] : [{ value: '', label: blank, selected: selected === '' }]),
  ...list.map((choice) => ({ ...choice, selected: choice.value === selected })),
];

/** The values a form shows: what the user typed if it is the form being redisplayed, else the saved ones. */
function formValues<K extends string>(redisplay: Redisplay | undefined, name: string, saved: Record<K, unknown>) {
  const typed = redisplay?.form === name ? redisplay.values : undefined;
  const errors =
    redisplay?.form === name
      ? fieldErrors(redisplay.errors.map((error) => ({ ...error, field: error.field.replace(`${name}-`, '') })))
      : {};
  const values = Object.fromEntries(
    (Object.keys(saved) as K[]).map((key) => [key, typed ? fieldText(typed[key]) : fieldText(saved[key])]),
  ) as Record<K, string>;
  return { values, errors, open: Boolean(typed) };
}

export function adminRoutes(admin: AdminService): Router {
  const router = Router();
  checkParams(router, { id: [isId, 'user'], code: [isCountryCode, 'member'], slug: [isCycleSlug, 'reporting cycle'] });
  router.use('/admin/users', allow('users.manage'));
  router.use('/admin/countries', allow('countries.manage'));
  router.use('/admin/outbox', allow('mail.read'));
  router.use('/admin/cycles', allow('cycles.manage'));
  router.use('/admin/indicators', allow('indicators.manage'));
  const ctx = (req: Request) => ({ ipAddress: req.ip ?? null });
  const id = (req: Request) => Number(req.params.id);
  const countryCode = (req: Request) => String(req.params.code);
  const cycleSlug = (req: Request) => String(req.params.slug);

  // Users and invitations

  async function renderUsers(req: Request, res: Response, status: number, redisplay?: Redisplay) {
    const page = await admin.usersPage(signedIn(req));
    const countryChoices = page.countries.map((country) => ({
      value: country.code,
      label: `${countryName(country.code, country.name, req.language)} (${country.code})`,
    }));
    const invite = formValues(redisplay, 'invite', { email: '', name: '', role: 'delegate', country: '', language: req.language });
    res.status(status).render('admin/users', {
      title: req.t('msg.users'),
      errors: redisplay?.errors ?? [],
      invite: {
        ...invite,
        roleOptions: choices(ROLE_CHOICES, invite.values.role),
        countryOptions: choices(countryChoices, invite.values.country, 'msg.none_secretariat_and_admin'),
        languageOptions: choices(LANGUAGE_CHOICES, invite.values.language),
      },
      invitationDays: INVITATION_DAYS,
      invitations: page.invitations,
      users: page.users.map((user) => {
        const form = formValues(redisplay, `user-${user.id}`, { role: user.role, country: user.country_code ?? '' });
        return {
          ...user,
          isSelf: user.id === signedIn(req).id,
          form: {
            ...form,
            roleOptions: choices(ROLE_CHOICES, form.values.role),
            countryOptions: choices(countryChoices, form.values.country, 'msg.none_secretariat_and_admin'),
          },
        };
      }),
    });
  }

  router.get('/admin/users', (req, res) => renderUsers(req, res, 200));

  router.get('/admin/outbox', async (req, res) => {
    const status = req.query.status === 'waiting' || req.query.status === 'sent' ? req.query.status : undefined;
    const page = await admin.outboxPage(signedIn(req), { status });
    res.set('Cache-Control', 'no-store');
    res.render('admin/outbox', {
      title: req.t('msg.outbox'),
      ...page,
      filters: (
        [
          [undefined, 'ui.admin_outbox.show_all'],
          ['waiting', 'ui.admin_outbox.show_waiting'],
          ['sent', 'ui.admin_outbox.show_sent'],
        ] as const
      ).map(([value, label]) => ({ href: value ? `/admin/outbox?status=${value}` : '/admin/outbox', label, current: value === status })),
    });
  });
  router.post(
    '/admin/users',
    handleForm({
      form: () => 'invite',
      schema: inviteSchema,
      run: (req, input) => admin.invite(signedIn(req), input, ctx(req)),
      redisplay: renderUsers,
      done: (_req, link) => ({
        url: '/admin/users',
        flash: { kind: 'success', text: 'msg.invitation_mailed', params: { days: INVITATION_DAYS }, detail: link },
      }),
    }),
  );
  router.post(
    '/admin/users/:id/role',
    handleForm({
      form: (req) => `user-${id(req)}`,
      schema: changeRoleSchema,
      run: (req, input) => admin.changeRole(signedIn(req), id(req), input, ctx(req)),
      redisplay: renderUsers,
      done: () => ({ url: '/admin/users', flash: { kind: 'success', text: 'msg.role_changed' } }),
    }),
  );
  for (const [path, active, text] of [
    ['deactivate', false, 'msg.user_deactivated_their_sessions_have_ended'],
    ['reactivate', true, 'msg.user_reactivated'],
  ] as const) {
    router.post(
      `/admin/users/:id/${path}`,
      handleForm({
        form: (req) => `user-${id(req)}`,
        schema: noFields,
        run: (req) => admin.setActive(signedIn(req), id(req), active, ctx(req)),
        redisplay: renderUsers,
        done: () => ({ url: '/admin/users', flash: { kind: 'success', text } }),
      }),
    );
  }

  // Countries

  const euChoices = [
    { value: 'no', label: 'msg.no' },
    { value: 'yes', label: 'msg.yes' },
  ];

  async function renderCountries(req: Request, res: Response, status: number, redisplay?: Redisplay) {
    const page = await admin.countriesPage(signedIn(req));
    const regionChoices = REGIONS.map((region) => ({ value: region, label: req.t(`region.${region}`) }));
    const add = formValues(redisplay, 'country', { code: '', name: '', region: 'Europe', eu_member: 'no', joined_on: '', left_on: '' });
    res.status(status).render('admin/countries', {
      title: req.t('msg.countries'),
      errors: redisplay?.errors ?? [],
      add: { ...add, regionOptions: choices(regionChoices, add.values.region), euOptions: choices(euChoices, add.values.eu_member) },
      countries: page.countries.map((country) => {
        const form = formValues(redisplay, `country-${country.code}`, {
          name: country.name,
          region: country.region,
          eu_member: country.eu_member ? 'yes' : 'no',
          joined_on: country.joined_on ?? '',
          left_on: country.left_on ?? '',
        });
        return {
          ...country,
          form: {
            ...form,
            regionOptions: choices(regionChoices, form.values.region),
            euOptions: choices(euChoices, form.values.eu_member),
          },
        };
      }),
    });
  }

  router.get('/admin/countries', (req, res) => renderCountries(req, res, 200));
  router.post(
    '/admin/countries',
    handleForm({
      form: () => 'country',
      schema: newCountrySchema,
      run: (req, input) => admin.addCountry(signedIn(req), input, ctx(req)),
      redisplay: renderCountries,
      done: () => ({ url: '/admin/countries', flash: { kind: 'success', text: 'msg.member_added' } }),
    }),
  );
  router.post(
    '/admin/countries/:code',
    handleForm({
      form: (req) => `country-${countryCode(req)}`,
      schema: editCountrySchema,
      run: (req, input) => admin.editCountry(signedIn(req), countryCode(req), input, ctx(req)),
      redisplay: renderCountries,
      done: () => ({ url: '/admin/countries', flash: { kind: 'success', text: 'msg.member_changed' } }),
    }),
  );

  // Indicators' goals

  const indicatorCode = (req: Request) => String(req.params.indicator);

  async function renderIndicators(req: Request, res: Response, status: number, redisplay?: Redisplay) {
    const page = await admin.indicatorsPage(signedIn(req));
    const goalChoices = page.goalCodes.map((code) => ({ value: code, label: req.t('ui.admin_indicators.goal', { code }) }));
    res.status(status).render('admin/indicators', {
      title: req.t('ui.admin_indicators.title'),
      errors: redisplay?.errors ?? [],
      indicators: page.indicators.map((indicator) => {
        const form = formValues(redisplay, `indicator-${indicator.code}`, {
          goal_code: indicator.goal_code ?? '',
          // The yearly change as a percentage, written as the admin writes numbers.
          goal_annual_change: indicator.goal_annual_change === null ? '' : formatNumber(indicator.goal_annual_change * 100, req.language),
          goal_source: indicator.goal_source,
        });
        return {
          ...indicator,
          form: { ...form, goalOptions: choices(goalChoices, form.values.goal_code, req.t('ui.admin_indicators.no_goal')) },
        };
      }),
    });
  }

  router.get('/admin/indicators', (req, res) => renderIndicators(req, res, 200));
  router.post(
    '/admin/indicators/:indicator',
    handleForm({
      form: (req) => `indicator-${indicatorCode(req)}`,
      schema: (req) => indicatorGoalSchema(req.language),
      run: (req, input) => admin.editIndicatorGoal(signedIn(req), indicatorCode(req), input, ctx(req)),
      redisplay: renderIndicators,
      done: () => ({ url: '/admin/indicators', flash: { kind: 'success', text: 'msg.indicator_goal_changed' } }),
    }),
  );

  // Cycles

  const kindChoices = [
    { value: 'progress', label: 'msg.progress_reports' },
    { value: 'commitments', label: 'msg.stocktaking_and_commitments' },
  ];

  async function renderCycles(req: Request, res: Response, status: number, redisplay?: Redisplay) {
    const page = await admin.cyclesPage(signedIn(req));
    const add = formValues(redisplay, 'cycle', {
      slug: '',
      title: '',
      kind: 'progress',
      opens_on: '',
      due_on: '',
      closes_on: '',
      reminder_days: '14, 3',
    });
    res.status(status).render('admin/cycles', {
      title: req.t('msg.reporting_cycles'),
      errors: redisplay?.errors ?? [],
      add: { ...add, kindOptions: choices(kindChoices, add.values.kind) },
      cycles: page.cycles.map((cycle) => ({
        ...cycle,
        form: formValues(redisplay, `cycle-${cycle.slug}`, {
          title: cycle.title,
          opens_on: cycle.opens_on,
          due_on: cycle.due_on,
          closes_on: cycle.closes_on,
          reminder_days: cycle.reminder_days.join(', '),
        }),
        reminderDaysText: cycle.reminder_days.join(', '),
        canOpen: cycleMove(cycle.state, 'open') !== null,
        canClose: cycleMove(cycle.state, 'closed') !== null,
      })),
    });
  }

  router.get('/admin/cycles', (req, res) => renderCycles(req, res, 200));
  router.post(
    '/admin/cycles',
    handleForm({
      form: () => 'cycle',
      schema: newCycleSchema,
      run: (req, input) => admin.createCycle(signedIn(req), input, ctx(req)),
      redisplay: renderCycles,
      done: () => ({ url: '/admin/cycles', flash: { kind: 'success', text: 'msg.cycle_created_planned_open_when_delegates' } }),
    }),
  );
  router.post(
    '/admin/cycles/:slug',
    handleForm({
      form: (req) => `cycle-${cycleSlug(req)}`,
      schema: editCycleSchema,
      run: (req, input) => admin.editCycle(signedIn(req), cycleSlug(req), input, ctx(req)),
      redisplay: renderCycles,
      done: () => ({ url: '/admin/cycles', flash: { kind: 'success', text: 'msg.cycle_changed' } }),
    }),
  );
  router.post(
    '/admin/cycles/:slug/state',
    handleForm({
      form: (req) => `state-${cycleSlug(req)}`,
      schema: cycleStateSchema,
      run: (req, input) => admin.changeCycleState(signedIn(req), cycleSlug(req), input.state, ctx(req)),
      redisplay: renderCycles,
      done: (req) => ({
        url: '/admin/cycles',
        flash: { kind: 'success', text: 'msg.cycle_slug_updated', params: { slug: cycleSlug(req) } },
      }),
    }),
  );

  return router;
}
