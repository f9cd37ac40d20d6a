import type { Language } from '../i18n';
import { labelsFor, type Labels } from '../i18n/labels';
import { textLanguageChoices, textLanguageName } from '../i18n/text-languages';
import { fieldErrors, fieldText, withLineFeeds, type FormError, type Redisplay } from '../web/forms';
import type { ReportService } from './service';
import { statusLabel } from './service';
import { REPORTED_STATUSES, UPDATE_STATUSES, type UpdateStatus } from '../domain';
import { formatNumber } from '../i18n';
import { carriedPath, needsUpdate, sectionPath } from './sections';

// Builds what the report pages render. A form that failed (invalid input, or a stale
// version) is shown again with exactly what the user typed; every other form shows the
// saved values.

type ReportPage = Awaited<ReturnType<ReportService['reportPage']>>;

/** The form being shown again: its name (baseline, new-action, action-12, updates, withdraw-12, indicators, submit), the raw input, what went wrong. */
export type FormOverride = Redisplay;

const field = (values: unknown, ...path: string[]): string => {
  let current: unknown = values;
  for (const key of path) current = current && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined;
  return fieldText(current);
};

function options(choices: Array<{ value: string; label: string }>, selected: string, blank?: string) {
  // Written out whole: a copy with a property added takes V8's slow path, 20 times the cost
  // (public/compiled-report.ts), and a page of ten pledges lists sixty options.
  const list = choices.map((choice) => ({ value: choice.value, label: choice.label, selected: choice.value === selected }));
  return blank === undefined ? list : [{ value: '', label: blank, selected: selected === '' }, ...list];
}

export function reportView(page: ReportPage, language: Language, override?: FormOverride) {
  const errorsById = fieldErrors(override?.errors ?? []);
  const mine = (form: string) => (override?.form === form ? override.values : undefined);
  const labels = labelsFor(language);
  const targetChoices = page.targets.map((target) => ({
    value: target.code,
    label: labels.t('site.codeAndTitle', { code: target.code, title: labels.targetTitle(target.code, target.title) }),
  }));
  const goalChoices = page.goals.map((goal) => {
    const text = labels.goal(goal.code, goal.text);
    return { value: goal.code, label: `${goal.code} ${text.length > 90 ? `${text.slice(0, 88)}…` : text}` };
  });
  const statusChoices = REPORTED_STATUSES.map((status) => ({ value: status, label: statusLabel(status) }));
  const targetTitle = (code: string) => labels.targetTitle(code, page.targets.find((target) => target.code === code)?.title ?? code);

  const actionForm = (
    name: string,
    saved:
      | {
          title: string;
          target_code: string;
          goal_code: string | null;
          responsible_body: string;
          due_on: string | null;
          description: string;
        }
      | undefined,
  ) => {
    const typed = mine(name);
    const value = (key: string, savedValue: string | null | undefined) => (typed ? field(typed, key) : fieldText(savedValue));
    const error = (key: string) => errorsById[`${name}-${key}`];
    return {
      name,
      errors: {
        title: error('title'),
        target: error('target'),
        goal: error('goal'),
        body: error('body'),
        dueOn: error('due_on'),
        description: error('description'),
      },
      title: value('title', saved?.title),
      targetOptions: options(targetChoices, value('target', saved?.target_code), 'msg.choose_a_policy_target'),
      goalOptions: options(goalChoices, value('goal', saved?.goal_code), 'msg.none'),
      body: value('body', saved?.responsible_body),
      dueOn: value('due_on', saved?.due_on),
      description: value('description', saved?.description),
    };
  };

  const baseline = page.targets.map((target) => {
    const saved = page.content.stocktaking.find((row) => row.target_code === target.code);
    const typed = mine('baseline');
    return {
      code: target.code,
      title: targetTitle(target.code),
      existing: typed ? field(typed, 'baseline', target.code, 'existing') : fieldText(saved?.existing_measures),
      gaps: typed ? field(typed, 'baseline', target.code, 'gaps') : fieldText(saved?.gaps),
      noActionReason: typed ? field(typed, 'baseline', target.code, 'no_action_reason') : fieldText(saved?.no_action_reason),
      pledgedCount: page.content.pledged.filter((action) => action.target_code === target.code).length,
      existingError: errorsById[`baseline-${target.code}-existing`],
      gapsError: errorsById[`baseline-${target.code}-gaps`],
      noActionReasonError: errorsById[`baseline-${target.code}-no_action_reason`],
    };
  });

  const pledged = page.content.pledged.map((action) => ({
    id: action.id,
    title: action.title,
    targetCode: action.target_code,
    targetTitle: targetTitle(action.target_code),
    goalCode: action.goal_code,
    body: action.responsible_body,
    dueOn: action.due_on,
    description: action.description,
    form: actionForm(`action-${action.id}`, action),
    open: override?.form === `action-${action.id}`,
  }));

  const base = `/reports/${page.country.code}/${page.cycle.slug}`;
  // Earlier pledges: an open one starts from its last accepted update (status and
  // percentage pre-filled, last year's narrative shown beside the field, not copied in).
  const updates = new Map(page.content.updates.map((update) => [update.action_id, update]));
  // Only the pledges the page shows: those read in full (ReportService.reportPage).
  const carried = page.content.carried.map((action) => {
    const saved = updates.get(action.id);
    const typed = mine('updates');
    const withdrawTyped = mine(`withdraw-${action.id}`);
    const prefilled = !saved && action.last_status !== null && needsUpdate(action.state);
    const status = typed
      ? field(typed, 'updates', `a${action.id}`, 'status')
      : fieldText(saved?.status ?? (prefilled ? action.last_status : ''));
    return {
      id: action.id,
      title: action.title,
      // Where the progress section shows it.
      href: `${base}/${carriedPath(action.id, action.position)}`,
      state: action.state,
      open: needsUpdate(action.state),
      targetCode: action.target_code,
      targetTitle: targetTitle(action.target_code),
      pledgedIn: action.pledged_in_cycle_title,
      dueOn: action.due_on,
      description: action.description,
      withdrawn: action.state === 'withdrawn_here',
      withdrawalReason: action.withdrawal_reason,
      statusLabel: saved ? statusLabel(saved.status) : 'msg.no_update_yet',
      statusOptions: options(statusChoices, status, 'msg.choose_a_status'),
      percent: typed
        ? field(typed, 'updates', `a${action.id}`, 'percent')
        : fieldText(saved?.percent_complete ?? (prefilled ? action.last_percent : null)),
      narrative: typed ? field(typed, 'updates', `a${action.id}`, 'narrative') : fieldText(saved?.narrative),
      savedStatus: saved?.status,
      last: action.last_status
        ? {
            cycleTitle: action.last_cycle_title,
            statusLabel: statusLabel(action.last_status),
            percent: action.last_percent,
            narrative: action.last_narrative,
          }
        : null,
      prefilled,
      withdrawReason: withdrawTyped ? field(withdrawTyped, 'reason') : '',
      statusError: errorsById[`updates-a${action.id}-status`],
      percentError: errorsById[`updates-a${action.id}-percent`],
      narrativeError: errorsById[`updates-a${action.id}-narrative`],
      reasonError: errorsById[`withdraw-${action.id}-reason`],
    };
  });

  const indicators = page.indicators.map((indicator) => {
    const saved = page.content.indicatorValues.find((value) => value.indicator_code === indicator.code);
    const typed = mine('indicators');
    return {
      code: indicator.code,
      name: labels.indicatorName(indicator.code, indicator.name),
      unit: labels.indicatorUnit(indicator.code, indicator.unit),
      // Saved numbers are shown the way the interface language writes them.
      value: typed ? field(typed, 'indicators', indicator.code, 'value') : formatNumber(saved?.value, language),
      unavailable: typed
        ? field(typed, 'indicators', indicator.code, 'unavailable') === 'yes'
        : saved !== undefined && saved.value === null,
      answered: saved !== undefined,
      note: typed ? field(typed, 'indicators', indicator.code, 'note') : fieldText(saved?.note),
      valueError: errorsById[`indicators-${indicator.code}-value`],
      noteError: errorsById[`indicators-${indicator.code}-note`],
      unavailableError: errorsById[`indicators-${indicator.code}-unavailable`],
    };
  });

  const summaries = page.targets.map((target) => {
    const typed = mine('summaries');
    const saved = page.content.summaries.find((row) => row.target_code === target.code);
    return {
      code: target.code,
      title: targetTitle(target.code),
      summary: typed ? field(typed, 'summaries', target.code) : fieldText(saved?.summary),
      error: errorsById[`summaries-${target.code}`],
    };
  });

  const typedAbout = mine('about');
  const textLanguage = {
    options: options(
      textLanguageChoices(language),
      typedAbout ? field(typedAbout, 'text_language') : fieldText(page.report.textLanguage),
      'msg.not_stated',
    ),
    error: errorsById['about-text_language'],
    name: page.report.textLanguage ? textLanguageName(page.report.textLanguage, language) : null,
  };
  const contributors = {
    value: typedAbout ? field(typedAbout, 'contributors') : page.report.contributors,
    error: errorsById['about-contributors'],
  };

  // A missing baseline names its target in the reader's language, in the summary too.
  const withTargetTitle = <T extends { params?: Record<string, string | number> }>(item: T): T =>
    typeof item.params?.code === 'string' ? { ...item, params: { ...item.params, title: targetTitle(item.params.code) } } : item;
  // A refused submission lists what is missing: each links to the page and field that fixes it.
  const hrefOf = new Map(page.missing.map((item) => [item.field, `${base}/${item.path}#${item.field}`]));
  const errors: Array<FormError & { href?: string }> = (override?.errors ?? [])
    .map(withTargetTitle)
    .map((error) => ({ ...error, href: hrefOf.get(error.field) }));
  return {
    ...page,
    base,
    baseline,
    textLanguage,
    contributors,
    pledged,
    carried,
    updatable: carried.filter((action) => action.open),
    closed: carried.filter((action) => action.state === 'completed' || action.state === 'withdrawn_earlier'),
    withdrawnHere: carried.filter((action) => action.withdrawn),
    indicatorFields: indicators,
    summaries,
    newAction: actionForm('new-action', undefined),
    errors,
    // A stale submission has nothing of its own to compare: its message says what to do.
    conflict:
      override?.conflict && override.form !== 'submit' ? { form: override.form, changes: conflictChanges(page, override, labels) } : null,
    missing: page.missing.map((item) => ({ ...withTargetTitle(item), href: hrefOf.get(item.field) })),
    sections: page.sections.map((section) => ({
      ...section,
      href: `${base}/${sectionPath(section.key)}`,
      missing: section.missing.map(withTargetTitle),
    })),
  };
}

/** For a refused stale save: the fields where the saved report now differs from what the user typed. */
/** Each change's label is an English message with {{placeholders}} filled from params. */
type Change = { label: string; params: Record<string, string>; saved: string; yours: string; removed?: boolean };

function conflictChanges(page: ReportPage, override: FormOverride, labels: Labels): Change[] {
  const changes: Change[] = [];
  const compare = (label: string, saved: unknown, yours: unknown, params: Record<string, string> = {}) => {
    if (withLineFeeds(fieldText(saved)).trim() !== withLineFeeds(fieldText(yours)).trim())
      changes.push({ label, params, saved: fieldText(saved), yours: fieldText(yours) });
  };
  // A status is shown by its name; anything else the form held, as typed.
  const statusName = (status: unknown) =>
    (UPDATE_STATUSES as readonly unknown[]).includes(status) ? labels.status(status as UpdateStatus) : fieldText(status);
  const values = override.values;
  if (override.form === 'baseline') {
    // A target's page sends only that target.
    const sent = (values.baseline && typeof values.baseline === 'object' ? values.baseline : {}) as Record<string, unknown>;
    for (const target of page.targets.filter((row) => row.code in sent)) {
      const saved = page.content.stocktaking.find((row) => row.target_code === target.code);
      compare('msg.code_measures_in_place', saved?.existing_measures, field(values, 'baseline', target.code, 'existing'), {
        code: target.code,
      });
      compare('msg.code_gaps', saved?.gaps, field(values, 'baseline', target.code, 'gaps'), { code: target.code });
      compare('msg.workspace.no_action_reason_of', saved?.no_action_reason, field(values, 'baseline', target.code, 'no_action_reason'), {
        code: target.code,
      });
    }
  } else if (override.form === 'updates') {
    // A page of the progress section sends its own pledges only.
    const sent = (values.updates && typeof values.updates === 'object' ? values.updates : {}) as Record<string, unknown>;
    for (const action of page.content.carried.filter((row) => `a${row.id}` in sent)) {
      const saved = page.content.updates.find((update) => update.action_id === action.id);
      const id = `a${action.id}`;
      compare('msg.title_status', saved ? statusName(saved.status) : '', statusName(field(values, 'updates', id, 'status')), {
        title: action.title,
      });
      compare('msg.title_percent_complete', saved?.percent_complete, field(values, 'updates', id, 'percent'), { title: action.title });
      compare('msg.title_narrative', saved?.narrative, field(values, 'updates', id, 'narrative'), { title: action.title });
    }
  } else if (override.form.startsWith('action-')) {
    const saved = page.content.pledged.find((action) => `action-${action.id}` === override.form);
    if (!saved) changes.push({ label: 'msg.this_action', params: {}, saved: '', removed: true, yours: field(values, 'title') });
    else {
      compare('msg.title', saved.title, field(values, 'title'));
      compare('msg.policy_target', saved.target_code, field(values, 'target'));
      compare('msg.operational_goal', saved.goal_code, field(values, 'goal'));
      compare('msg.responsible_body', saved.responsible_body, field(values, 'body'));
      compare('msg.due_date', saved.due_on, field(values, 'due_on'));
      compare('msg.description', saved.description, field(values, 'description'));
    }
  } else if (override.form === 'summaries') {
    for (const target of page.targets) {
      const saved = page.content.summaries.find((row) => row.target_code === target.code);
      compare('msg.workspace.summary_of', saved?.summary, field(values, 'summaries', target.code), { code: target.code });
    }
  } else if (override.form === 'about') {
    compare('msg.workspace.contributors', page.report.contributors, field(values, 'contributors'));
  } else if (override.form === 'indicators') {
    for (const indicator of page.indicators) {
      const saved = page.content.indicatorValues.find((value) => value.indicator_code === indicator.code);
      const name = labels.indicatorName(indicator.code, indicator.name);
      compare('msg.name_value', saved?.value, field(values, 'indicators', indicator.code, 'value'), { name });
      compare('msg.name_note', saved?.note, field(values, 'indicators', indicator.code, 'note'), { name });
    }
  }
  return changes;
}
