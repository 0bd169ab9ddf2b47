/**
 * Row editors of the routing screens: skills with a level (a queue's required skills, an
 * agent's skills) and an entry point's menu (a key → a queue, with the prompt). Each row's
 * fields carry their own label and error, and wrap on a phone.
 */
import type { ReactNode } from 'react';
import { FieldError, SelectField, TextAreaField, TextField, type Option } from '../../shared/admin';
import { useI18n } from '../../shared/i18n/i18n';
import type { SkillRow } from './routing-admin-model';

export function SkillRowsEditor({
  legend,
  levelLabel,
  rows,
  errors,
  onChange,
  testId,
  hint,
}: {
  legend: ReactNode;
  levelLabel: string;
  rows: readonly SkillRow[];
  /** Errors by `skills.<i>.name|level` and `skills`. */
  errors: Record<string, string>;
  onChange: (rows: SkillRow[]) => void;
  testId?: string;
  hint?: ReactNode;
}) {
  const { t } = useI18n();
  const set = (index: number, patch: Partial<SkillRow>) =>
    onChange(rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  return (
    <fieldset data-testid={testId}>
      <legend>{legend}</legend>
      {hint ? <p className="muted small">{hint}</p> : null}
      <FieldError error={errors.skills} />
      {rows.length === 0 ? <p className="muted small">{t('skills.none')}</p> : null}
      <ul className="plain-list skill-list">
        {rows.map((row, index) => (
          <li key={index} className="skill-row" data-testid="skill-row">
            <TextField
              label={t('skills.name')}
              value={row.name}
              onChange={(event) => set(index, { name: event.target.value })}
              maxLength={60}
              error={errors[`skills.${index}.name`]}
              data-testid="skill-name"
            />
            <TextField
              label={levelLabel}
              type="number"
              min={1}
              max={10}
              inputMode="numeric"
              className="narrow-number"
              value={row.level}
              onChange={(event) => set(index, { level: event.target.value })}
              error={errors[`skills.${index}.level`]}
              data-testid="skill-level"
            />
            <button
              type="button"
              aria-label={t('skills.remove', { name: row.name || String(index + 1) })}
              onClick={() => onChange(rows.filter((_, i) => i !== index))}
            >
              {t('queues.remove')}
            </button>
          </li>
        ))}
      </ul>
      <div className="filter-actions">
        <button type="button" onClick={() => onChange([...rows, { name: '', level: '1' }])} data-testid="skill-add">
          {t('skills.add')}
        </button>
      </div>
    </fieldset>
  );
}

export interface MenuOptionRow {
  key: string;
  label: string;
  queue_id: string;
}

export interface MenuRows {
  isOn: boolean;
  prompt: string;
  options: MenuOptionRow[];
}

/** An entry point's menu: on or off, its prompt, and each key's label and queue. */
export function MenuEditor({
  menu,
  onChange,
  queues,
  errors,
  keys,
  promptHint,
  testId,
}: {
  menu: MenuRows;
  onChange: (menu: MenuRows) => void;
  queues: readonly Option[];
  /** Errors by `menu.prompt`, `menu.options`, `menu.options.<i>.key|label|queue_id`. */
  errors: Record<string, string>;
  /** The keys a caller may press. */
  keys: readonly string[];
  promptHint: ReactNode;
  testId?: string;
}) {
  const { t } = useI18n();
  const setOption = (index: number, patch: Partial<MenuOptionRow>) =>
    onChange({ ...menu, options: menu.options.map((row, i) => (i === index ? { ...row, ...patch } : row)) });
  const nextKey = keys.find((key) => !menu.options.some((option) => option.key === key)) ?? keys[0] ?? '1';
  return (
    <fieldset data-testid={testId}>
      <legend>{t('entry.menu')}</legend>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={menu.isOn}
          onChange={(event) =>
            onChange({
              ...menu,
              isOn: event.target.checked,
              options:
                event.target.checked && menu.options.length === 0
                  ? [{ key: nextKey, label: '', queue_id: '' }]
                  : menu.options,
            })
          }
          data-testid="menu-on"
        />{' '}
        {t('entry.menu_on')}
      </label>
      {menu.isOn ? (
        <>
          <TextAreaField
            label={t('entry.prompt')}
            hint={promptHint}
            rows={2}
            maxLength={500}
            value={menu.prompt}
            onChange={(event) => onChange({ ...menu, prompt: event.target.value })}
            error={errors['menu.prompt']}
            data-testid="menu-prompt"
          />
          <FieldError error={errors['menu.options'] ?? errors.menu} />
          <ul className="plain-list menu-list">
            {menu.options.map((option, index) => (
              <li key={index} className="menu-row" data-testid="menu-option">
                <SelectField
                  label={t('entry.key')}
                  className="narrow-number"
                  value={option.key}
                  onChange={(event) => setOption(index, { key: event.target.value })}
                  options={keys.map((key) => ({ value: key, label: key }))}
                  error={errors[`menu.options.${index}.key`]}
                  data-testid="menu-key"
                />
                <TextField
                  label={t('entry.label')}
                  value={option.label}
                  maxLength={60}
                  onChange={(event) => setOption(index, { label: event.target.value })}
                  error={errors[`menu.options.${index}.label`]}
                  data-testid="menu-label"
                />
                <SelectField
                  label={t('entry.queue')}
                  value={option.queue_id}
                  onChange={(event) => setOption(index, { queue_id: event.target.value })}
                  options={[{ value: '', label: t('queues.pick_queue') }, ...queues]}
                  error={errors[`menu.options.${index}.queue_id`]}
                  data-testid="menu-queue"
                />
                <button
                  type="button"
                  aria-label={t('entry.remove_option', { key: option.key })}
                  onClick={() => onChange({ ...menu, options: menu.options.filter((_, i) => i !== index) })}
                >
                  {t('queues.remove')}
                </button>
              </li>
            ))}
          </ul>
          <div className="filter-actions">
            <button
              type="button"
              onClick={() =>
                onChange({ ...menu, options: [...menu.options, { key: nextKey, label: '', queue_id: '' }] })
              }
              data-testid="menu-add"
            >
              {t('entry.add_option')}
            </button>
          </div>
        </>
      ) : null}
    </fieldset>
  );
}

export function menuRowsOf(
  menu: { prompt?: string | null | undefined; options: readonly MenuOptionRow[] } | null,
): MenuRows {
  return { isOn: menu !== null, prompt: menu?.prompt ?? '', options: menu ? menu.options.map((o) => ({ ...o })) : [] };
}

export function menuBodyOf(menu: MenuRows) {
  if (!menu.isOn) return null;
  return {
    prompt: menu.prompt.trim() ? menu.prompt : null,
    options: menu.options.map((option) => ({ key: option.key, label: option.label, queue_id: option.queue_id })),
  };
}
