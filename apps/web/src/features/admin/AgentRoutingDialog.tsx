/**
 * Admin › Users › Routing: one agent's skills with their level (`PUT /api/users/:id/skills`)
 * and how many chats of each channel they take at once (`PATCH /api/users/:id`
 * `{capacity}`; a call is always one). Both are saved together; each refusal shows on its field.
 */
import { useState } from 'react';
import { userRoutingProfileSchema, type User } from '@switchboard/contracts';
import { useApi } from '../../app/services';
import { FormDialog, TextField, useForm } from '../../shared/admin';
import { ApiError } from '../../shared/api/api-error';
import { useI18n } from '../../shared/i18n/i18n';
import { ErrorMessage, Loading } from '../../shared/ui/components';
import { useAsync } from '../../shared/ui/hooks';
import { profileFieldOf, skillsBodyOf, type SkillRow } from './routing-admin-model';
import { SkillRowsEditor } from './RoutingEditors';
import './routing-admin.css';

interface ProfileForm {
  skills: SkillRow[];
  whatsapp: string;
  webchat: string;
}

const EMPTY: ProfileForm = { skills: [], whatsapp: '3', webchat: '3' };

export function AgentRoutingDialog({ user, onClose }: { user: User | null; onClose: () => void }) {
  const api = useApi();
  const { t } = useI18n();
  const profile = useAsync(
    (signal) =>
      user
        ? api.request('GET', `/api/users/${user.id}/routing`, { schema: userRoutingProfileSchema, signal })
        : Promise.resolve(null),
    user?.id ?? 'none',
  );
  const form = useForm<ProfileForm>(EMPTY);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [loadedFor, setLoadedFor] = useState<string | null>(null);
  // Filled once per opening, from the profile of the user it opened on.
  if (user && profile.data?.user_id === user.id && loadedFor !== user.id) {
    setLoadedFor(profile.data.user_id);
    setErrors({});
    form.reset({
      skills: profile.data.skills.map((skill) => ({ name: skill.name, level: String(skill.level) })),
      whatsapp: String(profile.data.capacity.whatsapp),
      webchat: String(profile.data.capacity.webchat),
    });
  }
  if (!user && loadedFor !== null) setLoadedFor(null);

  const save = async () => {
    if (!user) return;
    setErrors({});
    const step = async (body: 'skills' | 'capacity', action: () => Promise<unknown>) => {
      try {
        await action();
      } catch (failure) {
        if (failure instanceof ApiError) {
          setErrors(
            Object.fromEntries(
              Object.entries(failure.fieldErrors).map(([field, message]) => [profileFieldOf(field, body), message]),
            ),
          );
        }
        throw failure;
      }
    };
    const number = (value: string) => (value.trim() === '' ? Number.NaN : Number(value));
    await step('skills', () =>
      api.request('PUT', `/api/users/${user.id}/skills`, {
        body: skillsBodyOf(form.values.skills),
        schema: userRoutingProfileSchema,
      }),
    );
    await step('capacity', () =>
      api.request('PATCH', `/api/users/${user.id}`, {
        body: { capacity: { whatsapp: number(form.values.whatsapp), webchat: number(form.values.webchat) } },
        schema: userRoutingProfileSchema,
      }),
    );
    onClose();
  };

  return (
    <FormDialog
      title={user ? t('agent_routing.title', { name: user.name }) : ''}
      isOpen={user !== null}
      onClose={onClose}
      form={form}
      onSubmit={save}
      noValidate
      testId="agent-routing-dialog"
      submitTestId="agent-routing-save"
    >
      <ErrorMessage error={profile.error} />
      {profile.isLoading ? <Loading /> : null}
      <SkillRowsEditor
        legend={t('agent_routing.skills')}
        levelLabel={t('skills.level')}
        hint={t('agent_routing.skills_hint')}
        rows={form.values.skills}
        errors={errors}
        onChange={(rows) => form.set('skills', rows)}
        testId="agent-skills"
      />
      <fieldset>
        <legend>{t('agent_routing.capacity')}</legend>
        <p className="muted small">{t('agent_routing.capacity_hint')}</p>
        <div className="field-grid">
          <TextField
            label={t('channel.whatsapp')}
            type="number"
            min={0}
            max={50}
            inputMode="numeric"
            {...form.field('whatsapp')}
            error={errors['capacity.whatsapp']}
            data-testid="capacity-whatsapp"
          />
          <TextField
            label={t('channel.webchat')}
            type="number"
            min={0}
            max={50}
            inputMode="numeric"
            {...form.field('webchat')}
            error={errors['capacity.webchat']}
            data-testid="capacity-webchat"
          />
        </div>
      </fieldset>
    </FormDialog>
  );
}
