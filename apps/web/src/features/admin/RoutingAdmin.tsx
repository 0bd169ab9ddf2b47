/**
 * Admin › Queues: the company's routing settings (the time zone business hours are read in,
 * the language of routing's messages to customers), the queues (settings, members) and,
 * under them, the entry points that send work into them (WhatsApp, web chat, phone
 * numbers), over one list of queues.
 */
import { useState } from 'react';
import { routingSettingsSchema } from '@switchboard/contracts';
import { useApi } from '../../app/services';
import { AdminForm, SelectField, TextField, useForm, useResourceList } from '../../shared/admin';
import { useI18n } from '../../shared/i18n/i18n';
import { ErrorMessage } from '../../shared/ui/components';
import { useAsync, type AsyncState } from '../../shared/ui/hooks';
import { EntryPointsAdmin } from './EntryPointsAdmin';
import { QueuesAdmin, queueList } from './QueuesAdmin';

export function RoutingAdmin() {
  const queues = useResourceList({ path: '/api/queues', schema: queueList });
  const api = useApi();
  const settings = useAsync(
    (signal) => api.request('GET', '/api/routing/settings', { schema: routingSettingsSchema, signal }),
    'routing-settings',
  );
  return (
    <div className="stack">
      <QueuesAdmin queues={queues} timeZone={settings.data?.time_zone ?? null} />
      <EntryPointsAdmin queues={queues.items ?? []} />
      <RoutingSettingsForm settings={settings} />
    </div>
  );
}

type SettingsState = AsyncState<{ time_zone: string; language: 'pt-BR' | 'en' }>;

/** Every IANA zone this browser knows, for the field's suggestions. */
function timeZones(): string[] {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [];
  }
}

function RoutingSettingsForm({ settings }: { settings: SettingsState }) {
  const api = useApi();
  const { t } = useI18n();
  const form = useForm<{ time_zone: string; language: 'pt-BR' | 'en' }>({ time_zone: '', language: 'pt-BR' });
  const [loaded, setLoaded] = useState(false);
  if (settings.data && !loaded) {
    setLoaded(true);
    form.reset(settings.data);
  }
  const [zones] = useState(timeZones);
  return (
    <section aria-labelledby="routing-settings-title" className="stack" data-testid="routing-settings">
      <h2 id="routing-settings-title">{t('routing_settings.title')}</h2>
      <ErrorMessage error={settings.error} />
      <AdminForm
        form={form}
        layout="narrow"
        savedText={t('entry.saved')}
        submitTestId="routing-settings-save"
        onSubmit={async () => {
          const body = form.validate(routingSettingsSchema, form.values);
          if (!body) return;
          const saved = await api.request('PUT', '/api/routing/settings', { body, schema: routingSettingsSchema });
          settings.setData(() => saved);
        }}
        noValidate
      >
        <TextField
          label={t('routing_settings.time_zone')}
          hint={t('routing_settings.time_zone_hint')}
          list="routing-time-zones"
          autoComplete="off"
          {...form.field('time_zone')}
          data-testid="routing-time-zone"
        />
        <datalist id="routing-time-zones">
          {zones.map((zone) => (
            <option key={zone} value={zone} />
          ))}
        </datalist>
        <SelectField
          label={t('routing_settings.language')}
          hint={t('routing_settings.language_hint')}
          {...form.field('language')}
          options={[
            { value: 'pt-BR', label: t('customer_messages.language.pt-BR') },
            { value: 'en', label: t('customer_messages.language.en') },
          ]}
        />
      </AdminForm>
    </section>
  );
}
