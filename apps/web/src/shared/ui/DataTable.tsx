/**
 * The one table of the console's lists (users, devices, calls, intercom, agents) and its
 * pagination. On a wide screen a table; on a phone each row becomes a card whose cells
 * carry their column's name (`data-label`), so no screen ever scrolls sideways.
 */
import type { ReactNode } from 'react';
import { useI18n } from '../i18n/i18n';

export interface Column<T> {
  /** Stable key of the column. */
  key: string;
  header: ReactNode;
  /** The header as text, for the card layout's labels; defaults to `header` when it is text. */
  label?: string;
  cell: (row: T) => ReactNode;
  className?: string;
}

export function DataTable<T>({
  columns,
  rows,
  rowKey,
  rowProps,
  testId,
  caption,
}: {
  columns: readonly (Column<T> | false | null)[];
  rows: readonly T[];
  rowKey: (row: T) => string;
  rowProps?: (row: T) => Record<string, string | undefined>;
  testId?: string;
  caption?: string;
}) {
  const shown = columns.filter((column): column is Column<T> => Boolean(column));
  return (
    <div className="table-wrap">
      <table className="table data-table" data-testid={testId}>
        {caption ? <caption className="visually-hidden">{caption}</caption> : null}
        <thead>
          <tr>
            {shown.map((column) => (
              <th key={column.key} scope="col" className={column.className}>
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)} {...rowProps?.(row)}>
              {shown.map((column) => (
                <td
                  key={column.key}
                  className={column.className}
                  data-label={column.label ?? (typeof column.header === 'string' ? column.header : undefined)}
                >
                  <div className="cell">{column.cell(row)}</div>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Cursor pagination: the next page appends below ("Load more"). */
export function LoadMore({ hasMore, onLoadMore }: { hasMore: boolean; onLoadMore: () => void }) {
  const { t } = useI18n();
  if (!hasMore) return null;
  return (
    <button type="button" className="link load-more" onClick={onLoadMore} data-testid="load-more">
      {t('common.load_more')}
    </button>
  );
}
