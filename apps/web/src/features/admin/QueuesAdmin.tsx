/**
 * Admin › Queues (issue 11 from the console): the company's queues with their channels,
 * strategy and members; a queue's every setting in one dialog (offers, required skills,
 * service level, maximum wait and overflow, wrap-up, position announcements, business
 * hours); its members with their priority, found by name or e-mail on the server; how many
 * wait in each now (the wallboard's snapshot, then its `queue_stats`); delete. The server's
 * refusals show on their fields.
 */
import { useEffect, useMemo, useState } from 'react';
import { z } from 'zod';
import { pageSchema, queueSchema, userSchema, wallboardSchema, type QueueDto } from '@switchboard/contracts';
import { useApi, useRealtimeEvent, useResync } from '../../app/services';
import {
  AdminTable,
  CheckboxField,
  FieldError,
  FormDialog,
  SelectField,
  TextAreaField,
  TextField,
  useActions,
  useForm,
  useResourceList,
  type ResourceList,
} from '../../shared/admin';
import { ApiError } from '../../shared/api/api-error';
import { useI18n, type Translate } from '../../shared/i18n/i18n';
import { Dialog, ErrorMessage } from '../../shared/ui/components';
import { useAsync } from '../../shared/ui/hooks';
import {
  WEEKDAYS,
  checkQueueForm,
  membersBodyOf,
  newQueueForm,
  queueBodyOf,
  queueFieldErrorsOf,
  queueFormOf,
  sortMembers,
  strategiesFor,
  weekdayRanges,
  type MemberRow,
  type QueueForm,
  type QueueMessages,
  type RoutingChannel,
} from './routing-admin-model';
import { SkillRowsEditor } from './RoutingEditors';
import './routing-admin.css';

export const queueList = z.object({ items: z.array(queueSchema) });
const CHANNELS: RoutingChannel[] = ['voice', 'whatsapp', 'webchat'];

export function queueMessagesOf(t: Translate): QueueMessages {
  return {
    ringAllNeedsVoice: t('queues.ring_all_voice'),
    rangeOrder: t('queues.range_order'),
    overflowQueue: t('queues.overflow_queue_pick'),
    nameTaken: t('queues.name_taken'),
  };
}

export function QueuesAdmin({ queues, timeZone }: { queues: ResourceList<QueueDto>; timeZone: string | null }) {
  const api = useApi();
  const { t } = useI18n();
  const actions = useActions(queues.reload);
  const [editing, setEditing] = useState<QueueDto | 'new' | null>(null);
  const [membersOf, setMembersOf] = useState<QueueDto | null>(null);
  const nameOf = (id: string) => queues.items?.find((queue) => queue.id === id)?.name ?? '—';
  const waiting = useWaitingNow(queues.items?.map((queue) => queue.id).join(',') ?? '');

  return (
    <section aria-labelledby="queues-title" className="stack" data-testid="queues-admin">
      <header className="panel-header">
        <h2 id="queues-title">{t('admin.queues')}</h2>
        <button type="button" className="primary" onClick={() => setEditing('new')} data-testid="queue-create">
          {t('queues.new')}
        </button>
      </header>
      <AdminTable<QueueDto>
        rows={queues.items}
        error={actions.error ?? queues.error}
        empty={t('queues.empty')}
        testId="queues-table"
        rowKey={(queue) => queue.id}
        rowProps={(queue) => ({ 'data-testid': 'queue-row', 'data-name': queue.name })}
        columns={[
          { key: 'name', header: t('admin.name'), cell: (queue) => queue.name },
          {
            key: 'channels',
            header: t('queues.channels'),
            cell: (queue) => queue.channels.map((channel) => t(`channel.${channel}`)).join(', '),
          },
          {
            key: 'strategy',
            header: t('queues.strategy'),
            cell: (queue) => (
              <>
                {t(`queues.strategy.${queue.strategy}`)}
                {queue.offer_mode === 'accept' ? ` · ${t('queues.offer_mode.accept')}` : ''}
              </>
            ),
          },
          {
            key: 'waiting',
            header: t('queues.waiting_now'),
            cell: (queue) => <span data-testid="queue-waiting">{waiting[queue.id] ?? '—'}</span>,
          },
          {
            key: 'skills',
            header: t('queues.skills'),
            cell: (queue) =>
              queue.required_skills.length === 0
                ? '—'
                : queue.required_skills.map((skill) => `${skill.name} ≥ ${skill.min_level}`).join(', '),
          },
          {
            key: 'overflow',
            header: t('queues.overflow'),
            cell: (queue) =>
              queue.overflow === null
                ? '—'
                : queue.overflow.action === 'queue'
                  ? `${t('queues.overflow.queue')}: ${nameOf(queue.overflow.queue_id)}`
                  : t(`queues.overflow.${queue.overflow.action}`),
          },
          {
            key: 'members',
            header: t('queues.members'),
            cell: (queue) => <span data-testid="queue-members-count">{queue.members.length}</span>,
          },
          {
            key: 'actions',
            header: t('admin.actions'),
            className: 'row-actions',
            cell: (queue) => (
              <>
                <button type="button" onClick={() => setEditing(queue)} data-testid="queue-edit">
                  {t('common.edit')}
                </button>
                <button type="button" onClick={() => setMembersOf(queue)} data-testid="queue-members">
                  {t('queues.members')}
                </button>
                <button
                  type="button"
                  className="danger"
                  data-testid="queue-delete"
                  onClick={() =>
                    void actions.run(() => api.request('DELETE', `/api/queues/${queue.id}`), {
                      message: t('queues.delete_confirm', { name: queue.name }),
                      confirmLabel: t('common.delete'),
                    })
                  }
                >
                  {t('common.delete')}
                </button>
              </>
            ),
          },
        ]}
      />
      {actions.dialog}
      <QueueDialog
        queue={editing}
        queues={queues.items ?? []}
        timeZone={timeZone}
        onClose={() => setEditing(null)}
        onSaved={() => {
          setEditing(null);
          queues.reload();
        }}
      />
      <MembersDialog
        queue={membersOf}
        onClose={() => setMembersOf(null)}
        onSaved={() => {
          setMembersOf(null);
          queues.reload();
        }}
      />
    </section>
  );
}

/**
 * How many items wait in each queue now, by queue id: the wallboard's snapshot (the one
 * endpoint that counts them), then every `queue_stats` routing sends managers when a
 * queue changes; read again when the list of queues changes (a new queue is counted at
 * once) and after a gap the server could not replay. A queue's latest `queue_stats` wins
 * over any snapshot (a snapshot answered after the event may have been read before it);
 * after a gap only the snapshot read again counts. Unknown: absent.
 */
function useWaitingNow(queueIds: string): Record<string, number> {
  const api = useApi();
  const snapshot = useAsync(
    (signal) => api.request('GET', '/api/wallboard', { schema: wallboardSchema, signal }),
    `queues-waiting:${queueIds}`,
  );
  const [live, setLive] = useState<Record<string, number>>({});
  const { data, reload } = snapshot;
  useRealtimeEvent<{ queue_id?: unknown; waiting?: unknown }>('queue_stats', ({ data: stats }) => {
    const { queue_id: queueId, waiting } = stats;
    if (typeof queueId === 'string' && typeof waiting === 'number')
      setLive((current) => ({ ...current, [queueId]: waiting }));
  });
  useResync(() => {
    setLive({});
    reload();
  });
  return useMemo(
    () => ({ ...Object.fromEntries((data?.queues ?? []).map((queue) => [queue.queue_id, queue.waiting])), ...live }),
    [data, live],
  );
}

/** Once the errors are drawn, the first field in error of the queue dialog (a long form on a phone) takes the focus. */
function focusFirstInvalid() {
  setTimeout(() => document.querySelector<HTMLElement>('[data-testid=queue-dialog] [aria-invalid="true"]')?.focus(), 0);
}

/** The day's name in the console's language (0 = Sunday), from a week that began on a Sunday. */
export function weekdayName(locale: string, day: number): string {
  return new Intl.DateTimeFormat(locale, { weekday: 'long', timeZone: 'UTC' }).format(Date.UTC(2026, 0, 4 + day));
}

function QueueDialog({
  queue,
  queues,
  timeZone,
  onClose,
  onSaved,
}: {
  queue: QueueDto | 'new' | null;
  queues: readonly QueueDto[];
  timeZone: string | null;
  onClose: () => void;
  onSaved: () => void;
}) {
  const api = useApi();
  const { t, locale } = useI18n();
  const messages = queueMessagesOf(t);
  const form = useForm<QueueForm>(newQueueForm(), {
    fieldErrorsOf: (failure) => queueFieldErrorsOf(failure, messages),
  });
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const key = queue === null ? 'none' : queue === 'new' ? 'new' : queue.id;
  const [openedFor, setOpenedFor] = useState(key);
  if (openedFor !== key) {
    setOpenedFor(key);
    setLocalErrors({});
    form.reset(queue === null || queue === 'new' ? newQueueForm() : queueFormOf(queue));
  }
  const errors = { ...form.fieldErrors, ...localErrors };
  const values = form.values;
  const text = (name: keyof QueueForm) => ({ ...form.field(name), error: errors[name] });

  const save = async () => {
    if (queue === null) return;
    const found = checkQueueForm(values, messages);
    setLocalErrors(found);
    // Stopped here: each field says what is wrong, and the first one takes the focus.
    if (Object.keys(found).length > 0) {
      focusFirstInvalid();
      return;
    }
    const body = queueBodyOf(values);
    try {
      if (queue === 'new') await api.request('POST', '/api/queues', { body, schema: queueSchema });
      else await api.request('PATCH', `/api/queues/${queue.id}`, { body, schema: queueSchema });
    } catch (failure) {
      focusFirstInvalid();
      throw failure;
    }
    onSaved();
  };

  const toggleChannel = (channel: RoutingChannel, isOn: boolean) => {
    const next = isOn
      ? CHANNELS.filter((c) => c === channel || values.channels.includes(c))
      : values.channels.filter((c) => c !== channel);
    form.set('channels', next);
    if (!strategiesFor(next).includes(values.strategy)) form.set('strategy', 'longest_idle');
  };
  const others = queues.filter((other) => queue === 'new' || queue === null || other.id !== queue.id);
  const setRange = (index: number, patch: Partial<QueueForm['ranges'][number]>) =>
    form.set(
      'ranges',
      values.ranges.map((range, i) => (i === index ? { ...range, ...patch } : range)),
    );

  return (
    <FormDialog
      title={queue === 'new' ? t('queues.new') : t('queues.edit')}
      isOpen={queue !== null}
      onClose={onClose}
      form={form}
      onSubmit={save}
      noValidate
      testId="queue-dialog"
      submitTestId="queue-save"
    >
      <TextField label={t('admin.name')} {...text('name')} required maxLength={80} data-testid="queue-name" />
      <fieldset aria-describedby={errors.channels ? 'queue-channels-error' : undefined}>
        <legend>{t('queues.channels')}</legend>
        <div className="choice-row">
          {CHANNELS.map((channel) => (
            <CheckboxField
              key={channel}
              label={t(`channel.${channel}`)}
              checked={values.channels.includes(channel)}
              onChange={(isOn) => toggleChannel(channel, isOn)}
              testId={`queue-channel-${channel}`}
            />
          ))}
        </div>
        <FieldError id="queue-channels-error" error={errors.channels} />
      </fieldset>
      <div className="field-grid">
        <SelectField
          label={t('queues.strategy')}
          {...text('strategy')}
          options={strategiesFor(values.channels).map((value) => ({ value, label: t(`queues.strategy.${value}`) }))}
          hint={t('queues.strategy_hint')}
          data-testid="queue-strategy"
        />
        <SelectField
          label={t('queues.offer_mode')}
          {...text('offerMode')}
          options={(['auto', 'accept'] as const).map((value) => ({ value, label: t(`queues.offer_mode.${value}`) }))}
          data-testid="queue-offer-mode"
        />
        {values.offerMode === 'accept' ? (
          <TextField
            label={t('queues.offer_timeout')}
            type="number"
            min={1}
            max={600}
            inputMode="numeric"
            {...text('offerTimeout')}
            data-testid="queue-offer-timeout"
          />
        ) : null}
        <TextField
          label={t('queues.priority')}
          type="number"
          min={-100}
          max={100}
          hint={t('queues.priority_hint')}
          {...text('priority')}
        />
      </div>
      <SkillRowsEditor
        legend={t('queues.required_skills')}
        levelLabel={t('queues.min_level')}
        rows={values.skills}
        errors={errors}
        onChange={(rows) => form.set('skills', rows)}
        testId="queue-skills"
      />
      <div className="field-grid">
        <TextField
          label={t('queues.sl_seconds')}
          type="number"
          min={1}
          {...text('slSeconds')}
          data-testid="queue-sl-seconds"
        />
        <TextField
          label={t('queues.sl_target')}
          type="number"
          min={0}
          max={100}
          step="any"
          {...text('slTarget')}
          data-testid="queue-sl-target"
        />
        <TextField
          label={t('queues.wrap_up')}
          type="number"
          min={0}
          max={3600}
          {...text('wrapUp')}
          data-testid="queue-wrap-up"
        />
        <TextField
          label={t('queues.max_wait')}
          type="number"
          min={1}
          hint={t('queues.max_wait_hint')}
          {...text('maxWait')}
          data-testid="queue-max-wait"
        />
        <SelectField
          label={t('queues.overflow')}
          {...text('overflowAction')}
          options={(['', 'queue', 'voicemail', 'callback'] as const).map((value) => ({
            value,
            label: t(`queues.overflow.${value || 'none'}`),
          }))}
          data-testid="queue-overflow"
        />
        {values.overflowAction === 'queue' ? (
          <SelectField
            label={t('queues.overflow_queue')}
            {...text('overflowQueueId')}
            options={[
              { value: '', label: t('queues.pick_queue') },
              ...others.map((other) => ({ value: other.id, label: other.name })),
            ]}
            data-testid="queue-overflow-queue"
          />
        ) : null}
      </div>
      <CheckboxField
        label={t('queues.announce_position')}
        checked={values.announcePosition}
        onChange={(isOn) => form.set('announcePosition', isOn)}
        testId="queue-announce"
      />
      <fieldset className="hours" data-testid="queue-hours">
        <legend>{t('queues.business_hours')}</legend>
        <CheckboxField
          label={t('queues.hours_limited')}
          checked={values.hasHours}
          onChange={(isOn) => {
            form.set('hasHours', isOn);
            if (isOn && values.ranges.length === 0) form.set('ranges', weekdayRanges());
          }}
          testId="queue-hours-on"
        />
        {values.hasHours ? (
          <>
            <p className="muted small">{t('queues.hours_hint', { tz: timeZone ?? '—' })}</p>
            <FieldError error={errors.hours} />
            <ol className="plain-list range-list">
              {values.ranges.map((range, index) => (
                <li key={index} className="range-row" data-testid="queue-range">
                  <SelectField
                    label={t('queues.day')}
                    value={range.day}
                    onChange={(event) => setRange(index, { day: event.target.value })}
                    options={WEEKDAYS.map((day) => ({ value: String(day), label: weekdayName(locale, day) }))}
                    error={errors[`ranges.${index}.day`]}
                  />
                  <TimeRangeField
                    from={range.from}
                    to={range.to}
                    onChange={(patch) => setRange(index, patch)}
                    errors={{ from: errors[`ranges.${index}.from`], to: errors[`ranges.${index}.to`] }}
                  />
                  <button
                    type="button"
                    aria-label={t('queues.remove_range', { n: index + 1 })}
                    onClick={() =>
                      form.set(
                        'ranges',
                        values.ranges.filter((_, i) => i !== index),
                      )
                    }
                  >
                    {t('queues.remove')}
                  </button>
                </li>
              ))}
            </ol>
            <div className="filter-actions">
              <button
                type="button"
                onClick={() => form.set('ranges', [...values.ranges, { day: '1', from: '08:00', to: '18:00' }])}
                data-testid="queue-range-add"
              >
                {t('queues.add_range')}
              </button>
            </div>
            <SelectField
              label={t('queues.closed_action')}
              {...text('closedAction')}
              options={(['message', 'voicemail'] as const).map((value) => ({
                value,
                label: t(`queues.closed.${value}`),
              }))}
            />
            {values.closedAction === 'message' ? (
              <TextAreaField
                label={t('queues.closed_text')}
                hint={t('queues.closed_text_hint')}
                rows={2}
                maxLength={1000}
                {...text('closedText')}
              />
            ) : null}
          </>
        ) : null}
      </fieldset>
    </FormDialog>
  );
}

/** One opening range's start and end (HH:MM, in the company's time zone), each with its own error. */
export function TimeRangeField({
  from,
  to,
  onChange,
  errors = {},
}: {
  from: string;
  to: string;
  onChange: (patch: { from?: string; to?: string }) => void;
  errors?: { from?: string | undefined; to?: string | undefined };
}) {
  const { t } = useI18n();
  const time = (name: 'from' | 'to', value: string, placeholder: string) => (
    <TextField
      label={t(`queues.${name}`)}
      value={value}
      onChange={(event) => onChange({ [name]: event.target.value })}
      placeholder={placeholder}
      inputMode="numeric"
      maxLength={5}
      className="time"
      error={errors[name]}
    />
  );
  return (
    <>
      {time('from', from, '08:00')}
      {time('to', to, '18:00')}
    </>
  );
}

const userPage = pageSchema(userSchema);
/** Users offered at a time: a company with a thousand agents finds the rest by name or e-mail. */
export const MEMBER_SEARCH_LIMIT = 50;
const SEARCH_DELAY_MS = 250;

/** `value`, once it stopped changing for `delayMs`. */
function useSettled(value: string, delayMs: number): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

function MembersDialog({
  queue,
  onClose,
  onSaved,
}: {
  queue: QueueDto | null;
  onClose: () => void;
  onSaved: () => void;
}) {
  const api = useApi();
  const { t } = useI18n();
  const [search, setSearch] = useState('');
  const q = useSettled(search.trim(), SEARCH_DELAY_MS);
  const users = useResourceList({
    path: '/api/users',
    query: { is_active: 'true', limit: MEMBER_SEARCH_LIMIT, ...(q ? { q } : {}) },
    schema: userPage,
    key: queue?.id ?? '',
  });
  const [rows, setRows] = useState<MemberRow[]>([]);
  const [pick, setPick] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [isBusy, setIsBusy] = useState(false);
  const key = queue?.id ?? 'none';
  const [openedFor, setOpenedFor] = useState(key);
  if (openedFor !== key) {
    setOpenedFor(key);
    setError(null);
    setPick('');
    setSearch('');
    setRows(sortMembers(queue?.members ?? []).map((m) => ({ ...m, priority: String(m.priority) })));
  }
  const candidates = (users.items ?? []).filter((user) => !rows.some((row) => row.user_id === user.id));
  const fieldErrors = error instanceof ApiError ? error.fieldErrors : {};

  const save = async () => {
    if (!queue) return;
    setIsBusy(true);
    setError(null);
    try {
      await api.request('PUT', `/api/queues/${queue.id}/members`, { body: membersBodyOf(rows), schema: queueSchema });
      onSaved();
    } catch (failure) {
      setError(failure);
    } finally {
      setIsBusy(false);
    }
  };

  return (
    <Dialog
      title={queue ? t('queues.members_of', { name: queue.name }) : ''}
      isOpen={queue !== null}
      onClose={onClose}
      testId="members-dialog"
    >
      <form
        className="stack"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void save();
        }}
      >
        <p className="muted small">{t('queues.members_hint')}</p>
        <ErrorMessage error={users.error} />
        {rows.length === 0 ? <p className="muted">{t('queues.no_members')}</p> : null}
        <ul className="plain-list member-list" aria-label={t('queues.members')}>
          {rows.map((row, index) => (
            <li key={row.user_id} className="member-row" data-testid="member-row" data-name={row.name}>
              <span className="member-name">{row.name}</span>
              <TextField
                label={t('queues.member_priority')}
                type="number"
                min={0}
                max={100}
                className="narrow-number"
                value={row.priority}
                onChange={(event) =>
                  setRows(rows.map((r, i) => (i === index ? { ...r, priority: event.target.value } : r)))
                }
                error={fieldErrors[`${index}.priority`]}
                data-testid="member-priority"
              />
              <button
                type="button"
                className="danger"
                aria-label={t('queues.remove_member', { name: row.name })}
                onClick={() => setRows(rows.filter((r) => r.user_id !== row.user_id))}
                data-testid="member-remove"
              >
                {t('queues.remove')}
              </button>
            </li>
          ))}
        </ul>
        <div className="admin-add member-add">
          <TextField
            label={t('queues.member_search')}
            type="search"
            value={search}
            onChange={(event) => {
              setSearch(event.target.value);
              setPick('');
            }}
            hint={users.hasMore ? t('queues.member_search_more', { n: MEMBER_SEARCH_LIMIT }) : undefined}
            maxLength={120}
            autoComplete="off"
            data-testid="member-search"
          />
          <SelectField
            label={t('queues.add_member')}
            value={pick}
            onChange={(event) => setPick(event.target.value)}
            options={[
              {
                value: '',
                label:
                  q && !users.isLoading && candidates.length === 0
                    ? t('queues.member_search_none')
                    : t('queues.pick_agent'),
              },
              ...candidates.map((user) => ({ value: user.id, label: `${user.name} (${t(`role.${user.role}`)})` })),
            ]}
            data-testid="member-pick"
          />
          <button
            type="button"
            disabled={!pick}
            data-testid="member-add"
            onClick={() => {
              const user = candidates.find((candidate) => candidate.id === pick);
              if (!user) return;
              setRows([...rows, { user_id: user.id, name: user.name, priority: '0' }]);
              setPick('');
            }}
          >
            {t('common.add')}
          </button>
        </div>
        <ErrorMessage error={error} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="primary" disabled={isBusy} data-testid="members-save">
            {t('common.save')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
